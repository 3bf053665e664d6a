"""Pattern templates: literal text with ``{field:type}`` and ``{CLASS}`` placeholders.

A template such as ``Connecting to {MASTER} {peer:addr}`` is split into literal
pieces and placeholders by a pyparsing ``Regex`` token, then turned into one ``pp.Regex`` whose
compiled ``re`` the parser uses directly on every line (the grammar stays the
source of truth; the hot loop pays for one regex call, not a pyparsing parse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyparsing as pp


@dataclass(frozen=True, slots=True)
class Placeholder:
    """``{field:type}`` (``field`` None for ``{CLASS}``; ``_`` means match, don't keep)."""

    field: str | None
    type: str


TemplatePiece = str | Placeholder


def _build_template_tokens() -> pp.Regex:
    """One token of a template: ``{{``, ``}}``, a placeholder, literal text, or (last)
    any stray character, which is an error. A single ``pp.Regex`` whose compiled
    ``re`` scans templates: hundreds of them load at every start, so one C-level
    scan each keeps start-up quick."""
    token = pp.Regex(
        r"(?P<escaped>\{\{|\}\})"
        r"|\{(?:(?P<field>[A-Za-z_]\w*):)?(?P<type>[A-Za-z_]\w*)\}"
        r"|(?P<literal>[^{}]+)"
        r"|(?P<stray>.)",
        flags=re.DOTALL,
    )
    token.set_name("template token")
    return token


_TOKENS = _build_template_tokens().re


def parse_template(text: str) -> list[TemplatePiece]:
    """Split a template into literal strings and placeholders (adjacent literals joined).

    Raises:
        ValueError: for an unbalanced ``{`` or ``}`` or a malformed placeholder.
    """
    pieces: list[TemplatePiece] = []
    for m in _TOKENS.finditer(text):
        if m.group("stray") is not None:
            raise ValueError(
                f"bad placeholder near column {m.start() + 1}: unbalanced {m.group('stray')!r}"
                " (write {{ or }} for a literal brace)"
            )
        if m.group("escaped") is not None:
            pieces.append(m.group("escaped")[0])
        elif m.group("literal") is not None:
            pieces.append(m.group("literal"))
        else:
            pieces.append(Placeholder(m.group("field"), m.group("type")))
    joined: list[TemplatePiece] = []
    for piece in pieces:
        if isinstance(piece, str) and joined and isinstance(joined[-1], str):
            joined[-1] += piece
        else:
            joined.append(piece)
    return joined
