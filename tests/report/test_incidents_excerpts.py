"""Incidents the lab cannot provoke here, on log excerpts in the servers' own wording
(tests/data/incidents, sources in SOURCES.md), and the "no claim without its line"
rules on logs that hold only unreadable lines or only lost links."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from replwatch.cli.report_cmd import report as report_command
from replwatch.logs.files import parse_file
from replwatch.logs.parser import load_default_parser
from replwatch.report import Report, build_report
from replwatch.report.render_text import render_text

INCIDENTS = Path(__file__).resolve().parents[1] / "data" / "incidents"


def report_of(*names: str) -> Report:
    parser = load_default_parser()
    paths = [str(INCIDENTS / name) for name in names]
    return build_report([parse_file(parser, p, source=p) for p in paths], files=paths)


def top(report: Report) -> str:
    assert report.findings, render_text(report)
    return report.findings[0].code


def codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}


def cause_line(report: Report) -> str:
    return next(line for line in report.summary if line.startswith("Most likely cause"))


def test_replica_disk_full_is_the_cause_with_dir() -> None:
    report = report_of("replica-disk-full-6380.log")
    assert top(report) == "replica-disk-full"
    assert report.findings[0].setting == "dir"
    assert report.findings[0].count == 2
    assert "disk space" in cause_line(report)
    assert "master-unreachable" not in codes(report)


def test_replica_short_write_of_the_sync_file_is_most_likely_a_full_disk() -> None:
    """A full disk mid-write gives ``short write`` (no errno), as on the lab's full tmpfs."""
    report = report_of("replica-short-write-6380.log")
    finding = report.findings[0]
    assert finding.code == "replica-disk-full" and finding.setting == "dir"
    assert finding.count == 2
    assert "short write" in finding.title and "most likely" in finding.title
    assert "most likely" in finding.explanation
    assert "disk space" in cause_line(report)
    assert not codes(report) & {"sync-transfer", "master-unreachable"}


def test_rdb_version_newer_than_the_replica() -> None:
    report = report_of("rdb-version-6380.log")
    finding = report.findings[0]
    assert finding.code == "rdb-version"
    assert "RDB version 10" in finding.title and "older than its master" in finding.title
    assert "Redis 7.0" in finding.explanation and "6.2.6" in finding.explanation
    assert "sync-transfer" not in codes(report)  # the follow-up load error is the same


def test_fork_failed_for_a_sync_names_overcommit_and_the_startup_warning() -> None:
    report = report_of("fork-failed-6379.log")
    finding = report.findings[0]
    assert finding.code == "fork-failed"
    assert finding.setting == "vm.overcommit_memory"
    assert "replica's full resync" in finding.title
    assert finding.count == 2
    assert (str(INCIDENTS / "fork-failed-6379.log"), 1) in finding.evidence  # the warning
    assert not codes(report) & {"sync-transfer", "master-unreachable", "periodic-bgsave"}


def test_scheduled_save_failure_is_not_a_sync_failure() -> None:
    report = report_of("periodic-bgsave-6379.log")
    finding = report.findings[0]
    assert finding.code == "master-disk"
    assert "scheduled BGSAVE" in finding.title and "Permission denied" in finding.title
    assert "replicas are not the cause" in finding.explanation
    assert finding.count == 2
    assert "sync-transfer" not in codes(report)


def test_child_killed_by_signal_10_is_not_a_disk_problem() -> None:
    report = report_of("child-killed-6379.log")
    assert top(report) == "repl-timeout-loading"
    killed = [f for f in report.findings if f.code == "bgsave-child-killed"]
    assert len(killed) == 1 and "not a disk problem" in killed[0].explanation
    assert not codes(report) & {"master-disk", "fork-failed", "sync-transfer"}


def test_connect_timeout_is_its_own_repl_timeout_shape() -> None:
    report = report_of("connect-timeout-6380.log")
    finding = report.findings[0]
    assert finding.code == "repl-timeout-connect"
    assert finding.count == 2


def test_noauth_in_replconf_and_psync_replies_is_a_missing_masterauth() -> None:
    report = report_of("noauth-replconf-6380.log")
    finding = report.findings[0]
    assert finding.code == "masterauth" and "no password" in finding.title
    assert finding.count >= 4  # two REPLCONF replies, two PSYNC replies
    assert "acl-masteruser" not in codes(report)


def test_redis_2x_sentinel_promoted_slave() -> None:
    report = report_of("sentinel-2.8-promoted.log")
    [failover] = report.failovers
    assert failover.outcome == "switched"
    assert failover.new_master == "10.0.0.2:6380"
    assert any("+promoted-slave" in step.text for step in failover.steps)
    for f in report.findings:
        assert "None" not in f.title and "promoted None" not in f.explanation


def test_no_odown_means_no_quorum_and_no_agreement_claimed() -> None:
    report = report_of("sentinel-no-odown.log")
    assert top(report) == "sentinel-quorum"
    assert "quorum 2" in report.findings[0].title
    for f in report.findings:
        assert "Sentinels agreed" not in f.explanation
        assert "quorum agreed it was down" not in f.explanation


def test_loopback_master_address_with_remote_nodes() -> None:
    report = report_of("sentinel-loopback.log")
    assert top(report) == "sentinel-announce-ip"
    assert "127.0.0.1:6379" in report.findings[0].title


def test_flapping_switches() -> None:
    report = report_of("sentinel-flapping.log")
    assert top(report) == "sentinel-flapping"
    assert report.findings[0].count == 3


def test_split_brain_needs_both_sentinels() -> None:
    assert "split-brain" not in codes(report_of("sentinel-split-a.log"))
    report = report_of("sentinel-split-a.log", "sentinel-split-b.log")
    assert top(report) == "split-brain"
    assert "10.0.0.2:6379" in report.findings[0].title
    assert "10.0.0.3:6379" in report.findings[0].title


def test_only_unreadable_lines_is_never_healthy() -> None:
    report = report_of("unreadable-only.log")
    [unread] = report.unread
    assert (unread.malformed, unread.unrecognized) == (2, 2)
    text = render_text(report)
    assert "every link synced" not in text.lower()
    assert "Not read: 4 line(s)" in text
    assert "Unread lines" in text and "a module no grammar knows" in text


def test_only_lost_links_is_never_healthy() -> None:
    report = report_of("lost-links-only-6380.log")
    text = render_text(report)
    assert "every link synced" not in text.lower()
    assert "No replication link appears" not in text
    lost = [f for f in report.findings if f.code == "link-down"]
    assert lost and lost[0].count == 2
    assert report.summary[0].startswith("What happened: ? -> 6380 lost its master link")


def test_the_command_prints_the_summary_first() -> None:
    result = CliRunner().invoke(report_command, [str(INCIDENTS / "replica-disk-full-6380.log")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[2] == "Summary"
    assert lines.index("Summary") < lines.index("Nodes")


def test_html_shows_the_evidence_lines_with_their_neighbours(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    log = INCIDENTS / "fork-failed-6379.log"
    result = CliRunner().invoke(report_command, [str(log), "--html", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert '<div class="summary">' in html and "Most likely cause" in html
    # the cited fork error itself, and the BGSAVE line before it as context
    assert "Can&#x27;t save in background: fork: Cannot allocate memory" in html
    assert 'class="near">     6  1:M 03 Dec 2026 09:00:05.002 * Starting BGSAVE' in html
    assert html.index('<div class="summary">') < html.index('<svg id="timeline"')


def test_excerpts_never_carry_a_password() -> None:
    from replwatch.report.excerpts import mask

    assert mask("CONFIG SET masterauth s3cret now") == "CONFIG SET masterauth *** now"
    assert "hunter2" not in mask("requirepass hunter2")


def test_a_requested_failover_is_not_the_master_going_down() -> None:
    from tests.report.recordings import report_of as recorded

    for server in ("redis-7.0.15", "valkey-8.1.8"):
        report = recorded(server, "failover-command")
        text = render_text(report)
        assert "went down" not in text
        assert any("FAILOVER command" in line for line in report.summary), report.summary
        assert not any(line.startswith("Most likely cause") for line in report.summary)


def test_a_replica_only_log_is_not_seen_in_the_masters_log() -> None:
    report = report_of("replica-disk-full-6380.log")
    [link] = report.links
    assert link.observed_by == "replica"
    assert "seen in the replica's log" in render_text(report)


def test_a_replica_exiting_because_it_cannot_fork_for_its_aof() -> None:
    report = report_of("replica-aof-fork-6380.log")
    finding = report.findings[0]
    assert finding.code == "fork-failed" and finding.node == "6380"
    assert "AOF rewrite" in finding.title and "exited" in finding.explanation
    assert finding.count == 2
    assert (str(INCIDENTS / "replica-aof-fork-6380.log"), 6) in finding.evidence  # FATAL


def test_json_carries_the_summary_and_the_unread_lines() -> None:
    import json

    result = CliRunner().invoke(report_command, [str(INCIDENTS / "unreadable-only.log"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"] and data["summary"][0].startswith("Not read")
    [unread] = data["unread"]
    assert (unread["malformed"], unread["unrecognized"]) == (2, 2)
    assert unread["examples"][0] == {"line": 1, "message": "this is not a redis log line"}


def test_diagnose_is_events_in_findings_out() -> None:
    """The TUI's findings panel: a list of events (no file behind them) in, findings out."""
    from replwatch.report import diagnose

    parser = load_default_parser()
    log = INCIDENTS / "noauth-replconf-6380.log"
    events = list(parser.parse_lines(log.read_text().splitlines(), source="live:6380"))
    findings = diagnose(events)
    assert findings and findings[0].code == "masterauth"
    assert all(src == "live:6380" for f in findings for src, _line in f.evidence)


def test_output_buffer_lines_no_grammar_types_are_told_by_their_flags() -> None:
    report = report_of("output-buffer-untyped-6379.log")
    finding = report.findings[0]
    assert finding.code == "client-output-buffer-limit"
    assert finding.setting == "client-output-buffer-limit replica"
    assert "raise client-output-buffer-limit replica" in finding.title
    log = str(INCIDENTS / "output-buffer-untyped-6379.log")
    assert {(log, 6), (log, 8)} <= set(finding.evidence)  # the bare line, the flags=S one
    assert finding.count == 2  # one finding for the master: the typed line's
    other = [f for f in report.findings if f.code == "client-output-buffer-other"]
    assert len(other) == 1 and other[0].evidence == ((log, 9),)  # flags=P: Pub/Sub
    assert "not a replica" in other[0].title
    assert "client-output-buffer-limit replica" in cause_line(report)


def test_a_bare_output_buffer_line_is_a_replica_only_where_replicas_are(
    tmp_path: Path,
) -> None:
    lines = (INCIDENTS / "output-buffer-untyped-6379.log").read_text().splitlines()

    def report_on(kept: list[str]) -> Report:
        log = tmp_path / "6379.log"
        log.write_text("\n".join(kept) + "\n")
        return build_report([parse_file(load_default_parser(), str(log), source=str(log))])

    serving = report_on(lines[:7]).findings[0]  # a full sync, then the bare line
    assert serving.code == "client-output-buffer-limit"
    assert "most likely its replica" in serving.title
    [alone] = report_on(lines[5:6]).findings  # the bare line alone: no replica in sight
    assert alone.code == "client-output-buffer-other" and alone.severity == "info"
    assert "does not say which client" in alone.title
