"""Shared fixtures for the parser tests: one parser with only the shipped grammars."""

from __future__ import annotations

import pytest

from replwatch.logs.parser import LogParser, load_default_parser


@pytest.fixture(scope="session")
def parser(tmp_path_factory: pytest.TempPathFactory) -> LogParser:
    empty_user_dir = tmp_path_factory.mktemp("no-user-grammars")
    return load_default_parser(user_dir=empty_user_dir)
