"""Message rules: compile patterns to regexes, dispatch on the first word, match.

Every rule pattern becomes one anchored regex. To avoid trying all of them on
each message, patterns are filed under the first word they can start with
(``{MASTER}`` expands to each alternative); patterns that start with a typed
placeholder go in a small "any word" list tried after the word's own bucket,
keeping file order (first match wins, user rules first).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyparsing as pp

from replwatch.grammar.templates import TemplatePiece, parse_template


def _join_host_port(text: str) -> str:
    host, _, port = text.rpartition(" ")
    return f"{host}:{port}"


#: Placeholder type -> (regex, converter). Regexes must not contain capturing groups.
MESSAGE_TYPES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "int": (r"-?\d+", int),
    "float": (r"-?\d+(?:\.\d+)?", float),
    "word": (r"\S+", str),
    "text": (r".*?", str),
    "rest": (r".*", str),
    # host:port, [v6]:port, and the masks people paste ("<replica ip>:<port>",
    # "(ip redacted):6379")
    "addr": (
        r"\[[0-9A-Fa-f:.%\w]+\]:\d+|[^\s\[\]<(]+:\d+"
        r"|<[^<>]{1,32}>:(?:\d+|<[^<>]{1,16}>)|\([^()]{1,32}\):\d+",
        str,
    ),
    "host_port": (r"\S+ \d+", _join_host_port),
    "hex40": (r"[0-9a-fA-F]{40}", str),
    "hex": (r"[0-9a-fA-F]+", str),
    "version": (r"\d[\w.\-]*", str),
    "sentinel_event": (r"[+\-][a-z][\w\-]*", str),
}


#: What a paste puts where a number was ("pid BG", "request was: r", "<offset>",
#: "***"): read in a second try (:meth:`RuleSet.classify_masked`), the field left out.
_MASK = r"[A-Za-z]{1,3}|<[^<>]{1,24}>|\*{1,12}|\?{1,12}|#{1,12}"
_NUMBER_GROUPS = {
    "(" + MESSAGE_TYPES["int"][0] + ")": "(" + MESSAGE_TYPES["int"][0] + "|" + _MASK + ")",
    "(" + MESSAGE_TYPES["float"][0] + ")": "(" + MESSAGE_TYPES["float"][0] + "|" + _MASK + ")",
    "(?:" + MESSAGE_TYPES["int"][0] + ")": "(?:" + MESSAGE_TYPES["int"][0] + "|" + _MASK + ")",
}


def _number_or_none(conv: Callable[[str], Any]) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        try:
            return conv(text)
        except ValueError:
            return None  # masked: no value

    return read


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """One pattern of a rule: its regex and how to turn groups into fields."""

    template: str
    regex: re.Pattern[str]
    field_names: tuple[str, ...]
    converters: tuple[Callable[[str], Any], ...]
    first_words: frozenset[str] | None  # None: can start with any word

    def match(self, message: str) -> dict[str, Any] | None:
        m = self.regex.fullmatch(message)
        if m is None:
            return None
        return {
            name: conv(value)
            for name, conv, value in zip(self.field_names, self.converters, m.groups(), strict=True)
        }

    def masked(self) -> CompiledPattern | None:
        """This pattern with its numbers also read when a paste masked them (a
        masked number gives no field), or None when it has no number."""
        source = self.regex.pattern
        for number, either in _NUMBER_GROUPS.items():
            source = source.replace(number, either)
        if source == self.regex.pattern:
            return None
        converters = tuple(_number_or_none(c) if c in (int, float) else c for c in self.converters)
        return CompiledPattern(
            self.template, re.compile(source), self.field_names, converters, self.first_words
        )


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A kind, its patterns in order, and constant fields added on a match."""

    kind: str
    patterns: tuple[CompiledPattern, ...]
    constants: Mapping[str, Any]
    origin: str  # "file:line", for messages and docs

    def match(self, message: str) -> dict[str, Any] | None:
        for pattern in self.patterns:
            fields = pattern.match(message)
            if fields is not None:
                if self.constants:
                    fields.update(self.constants)
                return fields
        return None


def _first_words(
    pieces: list[TemplatePiece], classes: Mapping[str, tuple[str, ...]]
) -> frozenset[str] | None:
    """The words a message matching ``pieces`` can start with, or None for any word."""
    prefixes = {""}
    for piece in pieces:
        if isinstance(piece, str):
            options: tuple[str, ...] = (piece,)
        elif piece.type in classes:
            options = classes[piece.type]
        else:
            return None
        grown = {p + o for p in prefixes for o in options}
        done = {p.split(" ", 1)[0] for p in grown if " " in p}
        if len(done) == len(grown) or all(" " in p for p in grown):
            return frozenset(done)
        if done:  # some alternatives ended the first word, others did not
            return None
        prefixes = grown
    return frozenset(prefixes)


def compile_pattern(template: str, classes: Mapping[str, tuple[str, ...]]) -> CompiledPattern:
    """Compile one message template.

    Raises:
        ValueError: unknown type or class, or a bad placeholder.
    """
    pieces = parse_template(template)
    parts: list[str] = []
    names: list[str] = []
    converters: list[Callable[[str], Any]] = []
    for piece in pieces:
        if isinstance(piece, str):
            parts.append(re.escape(piece))
        elif piece.field is None:
            if piece.type not in classes:
                raise ValueError(f"unknown class {{{piece.type}}} (define it with 'class')")
            parts.append("(?:" + "|".join(re.escape(a) for a in classes[piece.type]) + ")")
        elif piece.type in classes:  # {field:CLASS}: keep the word that matched
            if piece.field in names:
                raise ValueError(f"field {piece.field!r} appears twice")
            parts.append("(" + "|".join(re.escape(a) for a in classes[piece.type]) + ")")
            names.append(piece.field)
            converters.append(str)
        else:
            if piece.type not in MESSAGE_TYPES:
                known = ", ".join(sorted(MESSAGE_TYPES))
                raise ValueError(
                    f"unknown type {piece.type!r} in {{{piece.field}:{piece.type}}}"
                    f" (known: {known})"
                )
            regex, conv = MESSAGE_TYPES[piece.type]
            if piece.field == "_":
                parts.append(f"(?:{regex})")
            else:
                if piece.field in names:
                    raise ValueError(f"field {piece.field!r} appears twice")
                parts.append(f"({regex})")
                names.append(piece.field)
                converters.append(conv)
    matcher = pp.Regex("".join(parts) or "(?:)")
    return CompiledPattern(
        template=template,
        regex=matcher.re,
        field_names=tuple(names),
        converters=tuple(converters),
        first_words=_first_words(pieces, classes),
    )


class RuleSet:
    """All message rules, in precedence order, with first-word dispatch."""

    def __init__(self, rules: list[CompiledRule], *, masked_of: bool = False) -> None:
        self.rules = tuple(rules)
        #: the rules with masked numbers read (see classify_masked), built on first use
        self._masked: RuleSet | None = self if masked_of else None
        entries: list[tuple[int, CompiledPattern, CompiledRule]] = []
        for rule in rules:
            for pattern in rule.patterns:
                entries.append((len(entries), pattern, rule))
        anywhere = [e for e in entries if e[1].first_words is None]
        words: set[str] = set()
        for e in entries:
            if e[1].first_words:
                words.update(e[1].first_words)
        self._anywhere: tuple[tuple[CompiledPattern, CompiledRule], ...] = tuple(
            (p, r) for _, p, r in anywhere
        )
        self._by_word: dict[str, tuple[tuple[CompiledPattern, CompiledRule], ...]] = {}
        for word in words:
            chosen = [e for e in entries if e[1].first_words is None or word in e[1].first_words]
            self._by_word[word] = tuple((p, r) for _, p, r in chosen)

    def classify(self, message: str) -> tuple[str, dict[str, Any]] | None:
        """The first rule that matches ``message``: (kind, fields), or None."""
        space = message.find(" ")
        word = message if space < 0 else message[:space]
        for pattern, rule in self._by_word.get(word, self._anywhere):
            fields = pattern.match(message)
            if fields is not None:
                if rule.constants:
                    fields.update(rule.constants)
                return rule.kind, fields
        return None

    def classify_masked(self, message: str) -> tuple[str, dict[str, Any]] | None:
        """:meth:`classify` for a message no rule reads as written, trying the rules
        with numbers again where a paste masked them (``started by pid BG``); a
        masked number's field is left out. The masked patterns are built on first use."""
        if self._masked is None:
            masked: list[CompiledRule] = []
            for rule in self.rules:
                patterns = tuple(p for p in (q.masked() for q in rule.patterns) if p is not None)
                if patterns:
                    masked.append(CompiledRule(rule.kind, patterns, rule.constants, rule.origin))
            self._masked = RuleSet(masked, masked_of=True)
        found = self._masked.classify(message)
        if found is None:
            return None
        kind, fields = found
        return kind, {k: v for k, v in fields.items() if v is not None}

    @property
    def kinds(self) -> list[str]:
        """Every kind some rule produces, in first-seen order."""
        return list(dict.fromkeys(r.kind for r in self.rules))
