"""The rotation suite, a few runs of every case in both watch modes with every core
busy: 0 lines lost, 0 repeated, 0 out of order (issue 14). ``bench/stress_rotation.py``
runs the same suite for as many runs as asked and prints the counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.follow.rotation_suite import CASES, busy_cores, run_case

RUNS = 2


@pytest.fixture(scope="module")
def busy() -> Iterator[int]:
    with busy_cores() as count:
        yield count


@pytest.mark.parametrize("mode", ["inotify", "poll"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_rotation_loses_and_repeats_nothing_under_load(
    case: str, mode: str, busy: int
) -> None:
    outcomes = [run_case(case, mode) for _ in range(RUNS)]
    bad = [o for o in outcomes if not o.clean]
    assert not bad, f"{case} under {mode} with {busy} busy cores: {bad}"
