"""The grammar language and its compiler: grammar files -> header dialects and message rules."""

from __future__ import annotations

from replwatch.grammar.language import GrammarError
from replwatch.grammar.loader import Grammar, load_grammar

__all__ = ["Grammar", "GrammarError", "load_grammar"]
