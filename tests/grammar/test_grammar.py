"""The grammar language: shipped samples, load-time refusals, user precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from replwatch.grammar.language import GrammarError, parse_grammar_text
from replwatch.grammar.loader import (
    compile_grammar,
    grammar_files_in,
    read_grammar_file,
    shipped_grammar_dir,
)
from replwatch.logs.parser import LogParser, load_default_parser

SHIPPED = shipped_grammar_dir()
SAMPLES = [
    pytest.param(rule, sample, id=f"{rule.kind}:{Path(gfile.path).name}:{sample.line}")
    for gfile in (read_grammar_file(p) for p in grammar_files_in(SHIPPED))
    for rule in gfile.rules
    for sample in rule.samples
]


@pytest.mark.parametrize(("rule", "sample"), SAMPLES)
def test_every_shipped_sample_reaches_its_own_rule(parser: LogParser, rule, sample) -> None:  # type: ignore[no-untyped-def]
    """No rule is shadowed by an earlier, more general one."""
    ev = parser.parse_line(f"1:M 25 Nov 2026 08:00:00.000 * {sample.text}", source="s", line_no=1)
    assert ev.kind == rule.kind
    assert dict(ev.fields) == {**rule.constants, **sample.expected}


def test_shipped_dir_is_found_and_every_rule_has_a_sample() -> None:
    files = grammar_files_in(SHIPPED)
    assert len(files) >= 5
    for path in files:
        for rule in read_grammar_file(path).rules:
            assert rule.samples, f"{path}:{rule.line}: rule {rule.kind} has no sample"


def _compile(text: str, name: str = "user.grammar") -> None:
    compile_grammar([parse_grammar_text(text, path=name)])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('rule Bad\n match "x"', "user.grammar:1: Expected kind"),
        ('rule ok\n  match "abc', "user.grammar:2: Expected quoted string"),
        ('rule ok\n  match "x"\n  frobnicate', "user.grammar:3: unknown word 'frobnicate'"),
        ('rule ok\n  match "a {n:integer}"', "user.grammar:2: rule ok: unknown type 'integer'"),
        ('rule ok\n  match "a {NOPE}"', "user.grammar:2: rule ok: unknown class {NOPE}"),
        ('rule ok\n  match "a {n:int"', "user.grammar:2: rule ok: bad placeholder"),
        ('rule ok\n  match "a {n:int}"\n  sample "a b"', "user.grammar:3: rule ok does not match"),
        ('rule ok\n  match "a {n:int}"\n  sample "a 1" n=2', "gives fields {'n': 1}"),
        ('dialect d layout "{pid} {message}"', "user.grammar:1: dialect d: a layout needs a {ts"),
        ('dialect d layout "{ts:dmy} {message}"\n  sample "nope"', "user.grammar:2: dialect d"),
        ('class A = "x"\nclass A = "y"', "class A already defined"),
    ],
)
def test_broken_grammar_is_refused_with_file_and_line(text: str, problem: str) -> None:
    with pytest.raises(GrammarError) as info:
        _compile(text)
    assert problem in str(info.value)


def test_user_rule_takes_precedence_and_extra_file_loads(tmp_path: Path) -> None:
    user_dir = tmp_path / "grammars"
    user_dir.mkdir()
    (user_dir / "mine.grammar").write_text(
        "# my own kind for a shipped message\n"
        "rule my_sync_started\n"
        '  match "{MASTER} <-> {SLAVE} sync started"\n'
        '  sample "MASTER <-> REPLICA sync started"\n'
    )
    extra = tmp_path / "extra.grammar"
    extra.write_text('rule hello\n  match "hello {who:word}"\n  sample "hello bob" who=bob\n')
    parser = load_default_parser(extra_grammar_files=[extra], user_dir=user_dir)
    line = "1:S 25 Nov 2026 08:00:00.000 * MASTER <-> REPLICA sync started"
    assert parser.parse_line(line, source="s", line_no=1).kind == "my_sync_started"
    ev = parser.parse_line("1:S 25 Nov 2026 08:00:00.000 * hello ann", source="s", line_no=1)
    assert (ev.kind, ev.fields) == ("hello", {"who": "ann"})


def test_env_var_names_the_user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "x.grammar").write_text('rule from_env\n  match "env rule"\n')
    monkeypatch.setenv("REPLWATCH_GRAMMAR_DIR", str(tmp_path))
    parser = load_default_parser()
    ev = parser.parse_line("1:S 25 Nov 2026 08:00:00.000 * env rule", source="s", line_no=1)
    assert ev.kind == "from_env"


def test_broken_user_file_names_its_path(tmp_path: Path) -> None:
    (tmp_path / "bad.grammar").write_text('rule ok\n  match "x {y:nope}"\n')
    with pytest.raises(GrammarError, match=r"bad\.grammar:2: rule ok: unknown type 'nope'"):
        load_default_parser(user_dir=tmp_path)
