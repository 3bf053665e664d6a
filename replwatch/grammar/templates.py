"""Pattern templates: literal text with ``{field:type}`` and ``{CLASS}`` placeholders.

A template such as ``Connecting to {MASTER} {peer:addr}`` is parsed with pyparsing
into literal pieces and placeholders, then turned into one ``pp.Regex`` whose
compiled ``re`` the parser uses directly on every line (the grammar stays the
source of truth; the hot loop pays for one regex call, not a pyparsing parse).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyparsing as pp


@dataclass(frozen=True, slots=True)
class Placeholder:
    """``{field:type}`` (``field`` None for ``{CLASS}``; ``_`` means match, don't keep)."""

    field: str | None
    type: str


TemplatePiece = str | Placeholder


def _build_template_grammar() -> pp.ParserElement:
    name = pp.Word(pp.alphas + "_", pp.alphanums + "_").set_name("name")
    placeholder = (
        pp.Suppress("{")
        + pp.Optional(name("field") + pp.Suppress(":"))
        + name("type")
        + pp.Suppress("}")
    ).set_name("placeholder")
    placeholder.set_parse_action(lambda t: Placeholder(t.get("field"), t["type"]))
    escaped = (pp.Literal("{{") | pp.Literal("}}")).set_parse_action(lambda t: t[0][0])
    literal = pp.Regex(r"[^{}]+").set_name("literal text")
    template = pp.ZeroOrMore(escaped | placeholder | literal).set_name("template")
    template.leave_whitespace()
    for element in (placeholder, literal, escaped, name):
        element.leave_whitespace()
    return template


_TEMPLATE = _build_template_grammar()


def parse_template(text: str) -> list[TemplatePiece]:
    """Split a template into literal strings and placeholders (adjacent literals joined).

    Raises:
        ValueError: for an unbalanced ``{`` or ``}`` or a malformed placeholder.
    """
    try:
        pieces = _TEMPLATE.parse_string(text, parse_all=True).as_list()
    except pp.ParseBaseException as exc:
        raise ValueError(f"bad placeholder near column {exc.column}: {exc.msg}") from None
    joined: list[TemplatePiece] = []
    for piece in pieces:
        if isinstance(piece, str) and joined and isinstance(joined[-1], str):
            joined[-1] += piece
        else:
            joined.append(piece)
    return joined
