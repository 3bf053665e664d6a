"""replwatch.kinds names every kind once, matching the grammars and the contract."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import replwatch
from replwatch import kinds
from replwatch.grammar.loader import shipped_grammar_dir

PACKAGE = Path(replwatch.__file__).resolve().parent
ROOT = PACKAGE.parent
CONTRACT = (ROOT / "docs" / "events.md").read_text()
#: Strings that equal a kind's name but are not kinds, and where.
NOT_KINDS = {
    ("grammar/rules.py", "sentinel_event"),  # a field type: {event:sentinel_event}
    ("poll/node.py", "server_mode"),  # an INFO server field (Valkey 8+)
    ("poll/sentinel_reply.py", "failover_state"),  # a key of the record's dict
}


def _grammar_kinds() -> set[str]:
    names: set[str] = set()
    for path in shipped_grammar_dir().glob("*.grammar"):
        names.update(re.findall(r"^rule ([a-z_0-9]+)", path.read_text(), re.M))
    return names


def test_every_grammar_rule_has_its_constant() -> None:
    missing = sorted(_grammar_kinds() - kinds.all_kinds())
    assert not missing, f"add to replwatch/kinds.py: {missing}"


def test_every_constant_is_a_grammar_poll_or_parser_kind() -> None:
    known = _grammar_kinds() | kinds.POLL | kinds.UNREAD
    assert sorted(kinds.all_kinds() - known) == []


def test_every_kind_is_documented_in_the_contract() -> None:
    undocumented = sorted(k for k in kinds.all_kinds() if f"`{k}`" not in CONTRACT)
    assert not undocumented, f"document in docs/events.md: {undocumented}"


def test_groups_hold_only_known_kinds() -> None:
    every = kinds.all_kinds()
    for name, value in vars(kinds).items():
        if name.isupper() and isinstance(value, frozenset):
            assert value <= every, name


def test_code_names_kinds_by_constant_not_by_string() -> None:
    """A kind written as a string literal in code is a typo waiting to happen."""
    every = kinds.all_kinds()
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "kinds.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        in_fstrings = {
            id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in ast.walk(n)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and node.value in every
                and id(node) not in docstrings | in_fstrings
                and (str(path.relative_to(PACKAGE)), node.value) not in NOT_KINDS
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert not offenders, "\n".join(offenders)
