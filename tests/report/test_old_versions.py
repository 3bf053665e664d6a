"""`replwatch report` on every recorded version, old ones included (Redis 2.8-5.0).

Old servers log differently: Redis 2.8 headers carry no role letter, before 4.0 a
restarted replica can never resync partially, 2.8-5.0 diskless masters log an extra
"correctly received the streamed RDB file" line. Each test reads what an operator
would read in the report of a real recording and fails on the wrong story.
"""

from __future__ import annotations

import pytest

from replwatch.report.render_text import render_text
from tests.report.test_sample_logs import SERVERS, analyse, recording

SCENARIOS_WITH_INITIAL_ROLES = ("seed", "auth-missing", "auth-wrong", "psync-client-kill",
                                "backlog-overflow")  # fmt: skip


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("scenario", SCENARIOS_WITH_INITIAL_ROLES)
def test_nodes_section_names_every_role(server: str, scenario: str) -> None:
    """Redis 2.8 headers have no role letter: the role comes from what the node logged."""
    report = analyse(recording(server, scenario))
    roles = {node.name: node.roles for node in report.nodes}
    assert roles == {"10000": ("master",), "10001": ("replica",), "10002": ("replica",)}
    nodes_section = render_text(report).split("\n\n")[1]
    assert "?" not in nodes_section, nodes_section
