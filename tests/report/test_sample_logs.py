"""`replwatch report` on the recorded real logs in sample_logs/ (Redis 7.0 and Valkey 8.1).

Parametrised over every recording present, so a new server version is covered by
recording it. Each test asserts what an operator reading the report must see.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from replwatch.cli.errors import ExitCode
from replwatch.cli.report_cmd import report as report_command
from replwatch.logs.files import parse_file
from replwatch.logs.parser import load_default_parser
from replwatch.report import Report, build_report
from replwatch.report.render_text import render_text

SAMPLES = Path(__file__).resolve().parents[2] / "sample_logs"
SERVERS = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()) if SAMPLES.is_dir() else []


def recording(server: str, scenario: str) -> list[Path]:
    folder = SAMPLES / server / scenario
    if not folder.is_dir():
        pytest.skip(f"no recording {server}/{scenario} in sample_logs")
    return sorted(folder.glob("*.log"))


def analyse(files: list[Path]) -> Report:
    parser = load_default_parser()
    names = [str(f) for f in files]
    return build_report([parse_file(parser, n, source=n) for n in names], files=names)


def link(report: Report, replica: str, master: str):
    found = [x for x in report.links if (x.replica, x.master) == (replica, master)]
    assert found, f"no link {master} -> {replica}: {[x.title for x in report.links]}"
    return found[0]


def psync_after_restart(server: str) -> bool:
    """Whether a restarted replica of ``server`` (``redis-2.8.24``) can resync partially."""
    product, _, version = server.partition("-")
    numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    return product != "redis" or numbers >= (4, 0)


def codes(report: Report) -> dict[str, list]:
    out: dict[str, list] = {}
    for finding in report.findings:
        out.setdefault(finding.code, []).append(finding)
    return out


@pytest.mark.parametrize("server", SERVERS)
def test_seed_full_syncs_master_outage_and_resyncs(server: str) -> None:
    report = analyse(recording(server, "seed"))
    assert [n.name for n in report.nodes] == ["10000", "10001", "10002"]
    for replica in ("10001", "10002"):
        lk = link(report, replica, "10000")
        assert lk.observed_by == "both"
        sessions = [e.session for e in lk.sessions]
        first = sessions[0]
        assert (first.mode, first.outcome) == ("full", "success")  # the initial sync
        assert first.bytes and first.bytes > 0
        # the master was SIGKILLed for ~3 s: the replicas retried and were refused
        refused = [e for e in lk.sessions if "Connection refused" in (e.session.reason or "")]
        assert refused and sum(e.repeats for e in refused) >= 2
        # ... then resynced once it was back
        master_outage = lk.outages[0]
        assert 2.5 < (master_outage.seconds or 0) < 6, master_outage
        assert "lost" in master_outage.cause
        later = [
            s for s in sessions if s.outcome == "success" and s.start_ts > master_outage.start_ts
        ]
        assert later, "no resync after the master came back"
        for where in master_outage.evidence:
            assert Path(where[0]).exists() and where[1] > 0
    # replica 2 was SIGKILLed and restarted: it caught up with a partial resync (a
    # restarted replica can PSYNC from its RDB only since Redis 4.0; before, a full one)
    mode = "partial" if psync_after_restart(server) else "full"
    resyncs = [e.session for e in link(report, "10002", "10000").sessions if e.session.mode == mode]
    assert resyncs and resyncs[-1].outcome == "success" and (resyncs[-1].bytes or 0) > 0
    found = codes(report)
    restart = {f.node: f for f in found["restart"]}
    assert "10000" in restart and "killed or crashed" in restart["10000"].explanation
    how = "partially" if mode == "partial" else "fully"
    assert f"10002 resynced {how}" in restart["10002"].explanation
    assert len(found["link-down"]) == 2


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize(("scenario", "words"), [("auth-missing", "sends no password"),
                                                  ("auth-wrong", "wrong password")])  # fmt: skip
def test_auth_scenarios_name_masterauth(server: str, scenario: str, words: str) -> None:
    report = analyse(recording(server, scenario))
    auth = codes(report).get("masterauth", [])
    assert sorted(f.node for f in auth) == ["10001", "10002"]
    for finding in auth:
        assert words in finding.title and finding.setting == "masterauth"
        assert finding.evidence and "never synced" in finding.explanation
    text = render_text(report)
    assert "setting: masterauth" in text
    assert "foobared" not in text and "not-the-password" not in text


@pytest.mark.parametrize("server", SERVERS)
def test_backlog_overflow_names_repl_backlog_size(server: str) -> None:
    report = analyse(recording(server, "backlog-overflow"))
    (finding,) = codes(report)["repl-backlog-size"]
    assert finding.node == "10000" and "127.0.0.1:10001" in finding.title
    assert "repl-backlog-size" in finding.explanation
    # the refused PSYNC led to a full resync of replica 1 after its initial sync
    fulls = [e.session for e in link(report, "10001", "10000").sessions if e.session.mode == "full"]
    assert len([s for s in fulls if s.outcome == "success"]) >= 2


@pytest.mark.parametrize("server", SERVERS)
def test_failover_replicaof_no_one_shows_the_role_change(server: str) -> None:
    report = analyse(recording(server, "failover-replicaof-no-one"))
    roles = {f.node: f for f in codes(report)["role-change"]}
    assert "promoted to master" in roles["10001"].title
    assert "replica of 127.0.0.1:10001" in roles["10002"].title
    assert "replica of 127.0.0.1:10001" in roles["10000"].title
    # the new links exist and synced
    for replica in ("10000", "10002"):
        lk = link(report, replica, "10001")
        assert any(e.session.outcome == "success" for e in lk.sessions)
    # a purposeful promotion is not an outage
    assert not link(report, "10001", "10000").outages


#: The FAILOVER command is Redis 6.2+ / Valkey: only those versions have the recording.
FAILOVER_SERVERS = [s for s in SERVERS if (SAMPLES / s / "failover-command").is_dir()]


@pytest.mark.parametrize("server", FAILOVER_SERVERS)
def test_failover_command_is_reported(server: str) -> None:
    report = analyse(recording(server, "failover-command"))
    roles = {f.node: f for f in codes(report)["role-change"]}
    assert "FAILOVER" in roles["10000"].title and "promoted" in roles["10001"].title
    link(report, "10000", "10001")  # the old master follows the new one


@pytest.mark.parametrize("server", SERVERS)
def test_cli_json_and_html_on_seed(server: str, tmp_path: Path) -> None:
    files = [str(p) for p in recording(server, "seed")]
    out = tmp_path / "seed.html"
    result = CliRunner().invoke(report_command, [*files, "--json", "--html", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {(x["replica"], x["master"]) for x in doc["links"]} == {
        ("10001", "10000"),
        ("10002", "10000"),
    }
    assert any(f["code"] == "restart" for f in doc["findings"])
    html = out.read_text(encoding="utf-8")
    assert html.count('<g class="link"') == 2 and 'class="bar down"' in html


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(report_command, [str(tmp_path / "nope.log")])
    assert missing.exit_code == 1 and "cannot read" in missing.output
    assert len(missing.output.strip().splitlines()) == 1
    log = tmp_path / "a.log"
    log.write_text("1:M 25 Nov 2026 08:00:00.000 * Ready to accept connections\n")
    bad = runner.invoke(report_command, [str(log), "--since", "yesterday"])
    assert bad.exit_code == ExitCode.USAGE and "--since" in bad.output


def test_clock_skew_and_partial_overlap(tmp_path: Path) -> None:
    """A replica log whose clock is 3 s ahead and starts late still pairs and reads sanely."""
    server = SERVERS[0] if SERVERS else pytest.skip("no sample_logs")
    files = recording(server, "seed")
    skewed = tmp_path / "10001.log"
    lines = files[1].read_text(encoding="utf-8").splitlines(keepends=True)
    skewed.write_text("".join(_shift_line(x, 3) for x in lines[len(lines) // 3 :]))
    report = analyse([files[0], skewed])
    lk = link(report, "10001", "10000")
    assert lk.observed_by == "both"
    for outage in lk.outages:
        assert outage.seconds is None or outage.seconds >= 0


def _shift_line(line: str, seconds: int) -> str:
    from datetime import datetime, timedelta

    head, sep, rest = line.partition(" * ")
    if not sep:
        head, sep, rest = line.partition(" # ")
    pid_role, _, stamp = head.partition(" ")
    try:
        moment = datetime.strptime(stamp, "%d %b %Y %H:%M:%S.%f")
    except ValueError:
        return line
    moved = (moment + timedelta(seconds=seconds)).strftime("%d %b %Y %H:%M:%S.%f")[:-3]
    return f"{pid_role} {moved}{sep}{rest}"


def test_yearless_headers_take_the_year_option(tmp_path: Path) -> None:
    """Redis 3.0-4.0 style headers have no year: ``--year`` supplies it."""
    server = SERVERS[0] if SERVERS else pytest.skip("no sample_logs")
    files = recording(server, "seed")
    names = []
    for original in files:
        copy = tmp_path / original.name
        copy.write_text(original.read_text(encoding="utf-8").replace(" 2026 ", " "))
        names.append(str(copy))
    result = CliRunner().invoke(report_command, [*names, "--json", "--year", "2024"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["start_ts"].startswith("2024-11-25T")
    assert len(doc["links"]) == 2 and any(f["code"] == "restart" for f in doc["findings"])
