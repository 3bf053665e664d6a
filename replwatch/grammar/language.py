"""The grammar language: a pyparsing grammar that reads ``grammars/*.grammar`` files.

Grammars are data so that a user can teach replwatch a message without touching
Python, and so that every rule carries the sample lines that prove it. This
module only turns text into plain definition records (with line numbers for
error messages); :mod:`replwatch.grammar.compiler` checks and compiles them.

BNF (the same as in ``docs/grammar.md``)::

    file        ::= statement*
    statement   ::= class_def | dialect_def | rule_def
    class_def   ::= "class" NAME "=" STRING ("|" STRING)*
    dialect_def ::= "dialect" NAME "layout" STRING sample*
    rule_def    ::= "rule" KIND clause+
    clause      ::= "match" STRING | "set" assignment+ | sample
    sample      ::= "sample" STRING assignment*
    assignment  ::= NAME "=" value
    value       ::= NUMBER | STRING | "true" | "false" | "null" | BAREWORD

Comments run from ``#`` to the end of the line; whitespace and newlines are free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyparsing as pp


class GrammarError(ValueError):
    """A grammar file that cannot be loaded: the message names file, line and problem."""


@dataclass(frozen=True, slots=True)
class SampleDef:
    """A sample line and the fields it must produce (``expected``)."""

    text: str
    expected: dict[str, Any]
    line: int


@dataclass(frozen=True, slots=True)
class ClassDef:
    """A word class: ``{MASTER}`` in a pattern matches any of ``alternatives``."""

    name: str
    alternatives: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class DialectDef:
    """A header layout such as ``{pid}:{role:letter} {ts:dmy} {level:char} {message:rest}``."""

    name: str
    layout: str
    samples: tuple[SampleDef, ...]
    line: int


@dataclass(frozen=True, slots=True)
class RuleDef:
    """One event kind: message patterns, constant fields and samples."""

    kind: str
    patterns: tuple[tuple[str, int], ...]
    constants: dict[str, Any] = field(default_factory=dict)
    samples: tuple[SampleDef, ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True)
class GrammarFile:
    """Everything one grammar file defines, in file order."""

    path: str
    classes: tuple[ClassDef, ...]
    dialects: tuple[DialectDef, ...]
    rules: tuple[RuleDef, ...]


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def _unquote(quoted: str) -> str:
    """A quoted string's text: ``\\"``, ``\\\\``, ``\\t``, ``\\xHH``, ``\\uHHHH`` decoded."""

    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, code)

    return _ESCAPE.sub(one, quoted[1:-1])


def _line_of(string: str, loc: int) -> int:
    return pp.lineno(loc, string)


def _build_grammar() -> pp.ParserElement:
    """The pyparsing grammar of one file; built once per load, no global settings."""
    string = pp.QuotedString('"', esc_char="\\", multiline=False, unquote_results=False).set_name(
        "quoted string"
    )
    string.set_parse_action(lambda t: _unquote(t[0]))
    name = pp.Word(pp.alphas + "_", pp.alphanums + "_").set_name("name")
    kind = pp.Regex(r"[a-z][a-z0-9_]*").set_name("kind (lower_snake_case)")

    number = pp.Regex(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?![\w.])").set_name("number")
    number.set_parse_action(lambda t: float(t[0]) if "." in t[0] else int(t[0]))
    true_ = pp.Keyword("true").set_parse_action(pp.replace_with(True))
    false_ = pp.Keyword("false").set_parse_action(pp.replace_with(False))
    null = pp.Keyword("null").set_parse_action(pp.replace_with(None))
    bareword = pp.Regex(r"[^\s\"=#]+").set_name("bare word")
    value = (number | string | true_ | false_ | null | bareword).set_name("value")
    assignment = pp.Group(name("name") + pp.Suppress("=") + value("value")).set_name("assignment")

    kw = {w: pp.Keyword(w) for w in ("class", "dialect", "layout", "rule", "match", "set")}
    kw["sample"] = pp.Keyword("sample")

    def sample_action(s: str, loc: int, t: pp.ParseResults) -> SampleDef:
        expected = {a["name"]: a["value"] for a in t.get("assignments", [])}
        return SampleDef(text=t["text"], expected=expected, line=_line_of(s, loc))

    sample = (
        pp.Suppress(kw["sample"])
        - string("text")
        + pp.Group(pp.ZeroOrMore(assignment))("assignments")
    ).set_name("sample clause")
    sample.set_parse_action(sample_action)

    class_def = (
        pp.Suppress(kw["class"])
        - name("name")
        - pp.Suppress("=")
        - pp.Group(pp.DelimitedList(string, delim="|", min=1))("alternatives")
    ).set_name("class definition")
    class_def.set_parse_action(
        lambda s, loc, t: ClassDef(t["name"], tuple(t["alternatives"]), _line_of(s, loc))
    )

    dialect_def = (
        pp.Suppress(kw["dialect"])
        - name("name")
        - pp.Suppress(kw["layout"])
        - string("layout")
        - pp.Group(pp.ZeroOrMore(sample))("samples")
    ).set_name("dialect definition")
    dialect_def.set_parse_action(
        lambda s, loc, t: DialectDef(t["name"], t["layout"], tuple(t["samples"]), _line_of(s, loc))
    )

    match_clause = (pp.Suppress(kw["match"]) - string("pattern")).set_name("match clause")
    match_clause.set_parse_action(lambda s, loc, t: ("match", (t["pattern"], _line_of(s, loc))))
    set_clause = (pp.Suppress(kw["set"]) - pp.OneOrMore(assignment)).set_name("set clause")
    set_clause.set_parse_action(lambda t: ("set", {a["name"]: a["value"] for a in t}))
    sample_clause = sample.copy().add_parse_action(lambda t: ("sample", t[0]))
    clause = (match_clause | set_clause | sample_clause).set_name("match, set or sample clause")

    def rule_action(s: str, loc: int, t: pp.ParseResults) -> RuleDef:
        patterns: list[tuple[str, int]] = []
        constants: dict[str, Any] = {}
        samples: list[SampleDef] = []
        for tag, payload in t[1:]:
            if tag == "match":
                patterns.append(payload)
            elif tag == "set":
                constants.update(payload)
            else:
                samples.append(payload)
        return RuleDef(t[0], tuple(patterns), constants, tuple(samples), _line_of(s, loc))

    rule_def = (pp.Suppress(kw["rule"]) - kind - pp.OneOrMore(clause)).set_name("rule definition")
    rule_def.set_parse_action(rule_action)

    def unknown(s: str, loc: int, t: pp.ParseResults) -> None:
        raise pp.ParseFatalException(
            s, loc, f"unknown word {t[0]!r}: expected class, dialect, rule, match, set or sample"
        )

    stray = pp.Regex(r"\S+").set_name("stray word").set_parse_action(unknown)
    statement = (class_def | dialect_def | rule_def | stray).set_name("statement")
    grammar_file = pp.ZeroOrMore(statement).set_name("grammar file")
    grammar_file.ignore(pp.python_style_comment)
    return grammar_file


def parse_grammar_text(text: str, *, path: str) -> GrammarFile:
    """Parse the text of one grammar file into definitions.

    Raises:
        GrammarError: naming ``path``, the line and what was expected there.
    """
    try:
        items = _build_grammar().parse_string(text, parse_all=True)
    except pp.ParseBaseException as exc:
        raise GrammarError(f"{path}:{exc.lineno}: {exc.msg} (at {exc.line.strip()!r})") from None
    classes = tuple(i for i in items if isinstance(i, ClassDef))
    dialects = tuple(i for i in items if isinstance(i, DialectDef))
    rules = tuple(i for i in items if isinstance(i, RuleDef))
    return GrammarFile(path=path, classes=classes, dialects=dialects, rules=rules)
