"""Loading grammar files: find them, compile them, and refuse any that is wrong.

Everything that can be wrong with a grammar is found here, at load time, with
the file and line named in a :class:`GrammarError`: syntax, unknown types or
classes, a sample line its own rule does not match (or matches with other
fields). Nothing fails later in the middle of a tail.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from replwatch.grammar.dialects import CompiledDialect, compile_dialect
from replwatch.grammar.language import GrammarError, GrammarFile, parse_grammar_text
from replwatch.grammar.rules import CompiledRule, RuleSet, compile_pattern

#: Environment variable naming the user grammar directory.
USER_DIR_ENV = "REPLWATCH_GRAMMAR_DIR"
GRAMMAR_SUFFIX = ".grammar"
#: The largest grammar file read. The shipped ones are a few dozen KiB; the cap keeps
#: ``--grammar /dev/zero`` (or a log passed by mistake) from filling memory.
MAX_GRAMMAR_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Grammar:
    """Compiled header dialects and message rules, ready for the parser."""

    dialects: tuple[CompiledDialect, ...]
    rules: RuleSet
    files: tuple[str, ...]


def shipped_grammar_dir() -> Path:
    """The grammars that ship with replwatch: ``<repo>/grammars`` in a checkout,
    ``replwatch/grammars`` inside an installed wheel."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "grammars", package_dir.parent / "grammars"):
        if candidate.is_dir() and any(candidate.glob("*" + GRAMMAR_SUFFIX)):
            return candidate
    raise GrammarError(f"no shipped grammars found next to {package_dir}")


def default_user_dir() -> Path:
    """``$REPLWATCH_GRAMMAR_DIR``, else ``~/.config/replwatch/grammars``."""
    env = os.environ.get(USER_DIR_ENV)
    if env:
        return Path(env)
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "replwatch" / "grammars"


def grammar_files_in(directory: Path) -> list[Path]:
    """The ``*.grammar`` files of a directory, sorted by name (missing dir: none).

    A directory that exists but cannot be listed (another user's home after
    ``sudo -u``) is an error naming the fix, not a silent "no user rules".
    """
    try:
        return sorted(
            entry
            for entry in (directory / name for name in os.listdir(directory))
            if entry.name.endswith(GRAMMAR_SUFFIX)
        )
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise GrammarError(
            f"{directory}: cannot read the grammar directory ({exc.strerror}); "
            f"make it readable, or set {USER_DIR_ENV} to another directory"
        ) from None


def read_grammar_file(path: Path) -> GrammarFile:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_GRAMMAR_BYTES + 1)
    except OSError as exc:
        raise GrammarError(f"{path}: cannot read grammar file: {exc.strerror or exc}") from None
    if len(data) > MAX_GRAMMAR_BYTES:
        raise GrammarError(
            f"{path}: not a grammar file (larger than {MAX_GRAMMAR_BYTES >> 20} MiB)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GrammarError(f"{path}: not a grammar file (not UTF-8 text: {exc.reason})") from None
    return parse_grammar_text(text, path=str(path))


def compile_grammar(files: Sequence[GrammarFile]) -> Grammar:
    """Compile parsed files, earlier files taking precedence.

    Classes are shared by all files (a later definition of a name is an error
    unless identical). Dialects and rules keep file order, earlier first.
    """
    classes: dict[str, tuple[str, ...]] = {}
    class_origin: dict[str, str] = {}
    for gfile in files:
        for cdef in gfile.classes:
            where = f"{gfile.path}:{cdef.line}"
            if cdef.name in classes and classes[cdef.name] != cdef.alternatives:
                raise GrammarError(
                    f"{where}: class {cdef.name} already defined differently at "
                    f"{class_origin[cdef.name]}"
                )
            classes[cdef.name] = cdef.alternatives
            class_origin.setdefault(cdef.name, where)

    dialects: list[CompiledDialect] = []
    seen_dialects: set[str] = set()
    rules: list[CompiledRule] = []
    for gfile in files:
        for ddef in gfile.dialects:
            where = f"{gfile.path}:{ddef.line}"
            if ddef.name in seen_dialects:
                continue  # an earlier (user) file redefined it
            try:
                dialect = compile_dialect(ddef.name, ddef.layout)
            except ValueError as exc:
                raise GrammarError(f"{where}: dialect {ddef.name}: {exc}") from None
            for sample in ddef.samples:
                if dialect.regex.fullmatch(sample.text) is None:
                    raise GrammarError(
                        f"{gfile.path}:{sample.line}: dialect {ddef.name} does not match its "
                        f"sample {sample.text!r}"
                    )
            seen_dialects.add(ddef.name)
            dialects.append(dialect)
        for rdef in gfile.rules:
            rules.append(_compile_rule(rdef, classes, gfile.path))
    return Grammar(
        dialects=tuple(dialects), rules=RuleSet(rules), files=tuple(f.path for f in files)
    )


def _compile_rule(rdef, classes: dict[str, tuple[str, ...]], path: str) -> CompiledRule:  # type: ignore[no-untyped-def]
    patterns = []
    for template, line in rdef.patterns:
        try:
            patterns.append(compile_pattern(template, classes))
        except ValueError as exc:
            raise GrammarError(f"{path}:{line}: rule {rdef.kind}: {exc}") from None
    if not patterns:
        raise GrammarError(f"{path}:{rdef.line}: rule {rdef.kind} has no match clause")
    rule = CompiledRule(rdef.kind, tuple(patterns), dict(rdef.constants), f"{path}:{rdef.line}")
    for sample in rdef.samples:
        fields = rule.match(sample.text)
        expected = {**rdef.constants, **sample.expected}
        if fields is None:
            raise GrammarError(
                f"{path}:{sample.line}: rule {rdef.kind} does not match its sample {sample.text!r}"
            )
        if fields != expected:
            raise GrammarError(
                f"{path}:{sample.line}: rule {rdef.kind} sample {sample.text!r} gives fields "
                f"{fields}, the sample expects {expected}"
            )
    return rule


def load_grammar(
    *, extra_files: Iterable[str | Path] = (), user_dir: str | Path | None = None
) -> Grammar:
    """Load ``--grammar`` files, then the user directory, then the shipped grammars.

    Precedence is in that order: a user rule is tried before a shipped one.
    """
    paths = [Path(p) for p in extra_files]
    paths += grammar_files_in(Path(user_dir) if user_dir is not None else default_user_dir())
    paths += grammar_files_in(shipped_grammar_dir())
    return compile_grammar([read_grammar_file(p) for p in paths])
