"""``--record``: a live session written to a file replays with no server."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from replwatch.cli.errors import ExitCode
from replwatch.cli.tui_cmd import replay, tui
from replwatch.poll.addresses import Address
from replwatch.poll.auth import Credentials
from replwatch.recording import (
    RecordingHeader,
    RecordingWriter,
    load_recording,
    parse_records,
)
from replwatch.tui.app import DashboardApp
from replwatch.tui.live import LiveSettings, LiveSource
from replwatch.tui.replay import ReplaySource
from tests.tui.test_live import wait_for
from tests.tui.test_replay import tree_labels


async def test_recorded_live_session_replays_the_same_topology(lab_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lab = lab_factory(3, password="foobared")
    path = tmp_path / "session.jsonl"
    nodes = tuple(f"127.0.0.1:{port}" for port in lab.ports)
    recorder = RecordingWriter.create(
        path, RecordingHeader(started="now", interval=0.2, nodes=nodes)
    )
    settings = LiveSettings(
        targets=[Address("127.0.0.1", port) for port in lab.ports],
        credentials=Credentials(password="foobared"),
        interval=0.2,
        start="start",
    )
    app = DashboardApp(LiveSource(settings, recorder=recorder))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.state.frame.links) == 2, 5)
        await wait_for(pilot, lambda: len(app.state.node_of_source) == 3, 5)
        logs = {str(lab.log_path(port)) for port in lab.ports}
        # under load the tailers' first lines may trail the first poll rounds
        await wait_for(pilot, lambda: logs <= recorded_sources(path), 20)
        await pilot.pause(0.5)
        live_labels = tree_labels(app)

    recording = load_recording(path)
    assert recording.header.nodes == nodes
    kinds = {record.kind for record in recording.records}
    assert kinds == {"snapshot", "event"}
    sources = {r.data["source"] for r in recording.records if r.kind == "event"}
    assert logs <= sources
    assert "foobared" not in path.read_text()

    replayed = DashboardApp(ReplaySource(recording, speed=64))
    async with replayed.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: replayed.source.clock.done, 10)
        await pilot.pause()
        assert tree_labels(replayed) == live_labels


def recorded_sources(path: Path) -> set[str]:
    """The sources of the events written so far (the writer flushes every record)."""
    with path.open(encoding="utf-8") as stream:
        return {
            r.data["source"] for r in parse_records(stream) if r.kind == "event"
        }


def test_replay_command_refuses_what_is_not_a_recording(tmp_path: Path) -> None:
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"type":"event"}\n')
    result = CliRunner().invoke(replay, [str(bad)])
    assert result.exit_code == 1
    assert "not a replwatch recording" in result.output
    result = CliRunner().invoke(replay, [str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 1 and "cannot read" in result.output


def test_tui_command_rejects_bad_ports_before_starting() -> None:
    result = CliRunner().invoke(tui, ["--ports", "notaport"])
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" not in result.output
