"""``replwatch parse --json`` / ``tail --json`` on wrapped logs, as users run them.

The reference is the same command on the bare file: the wrapped file must give the
same kinds and fields, plus the envelope's facts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.follow.support import Tail

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_logs" / "redis-7.0.15" / "seed" / "10001.log"
TS = "2026-11-25T10:00:00.123456789Z"


def _parse_json(*args: str, stdin: bytes | None = None) -> list[dict]:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "-m", "replwatch", "parse", "--json", *args],
        input=stdin,
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert out.stderr == b""
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def _lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def _same_events(wrapped: list[dict], bare: list[dict], envelope: str) -> None:  # type: ignore[type-arg]
    assert len(wrapped) == len(bare)
    for got, want in zip(wrapped, bare, strict=True):
        assert (got["kind"], got["ts"], got["message"]) == (
            want["kind"],
            want["ts"],
            want["message"],
        )
        if want["ts"] is not None:
            assert got["fields"]["envelope"] == envelope
            assert {k: v for k, v in got["fields"].items() if k in want["fields"]} == want["fields"]


def test_parse_json_on_a_docker_logs_t_file(tmp_path: Path) -> None:
    wrapped = tmp_path / "docker.log"
    wrapped.write_text("".join(f"{TS} {line}\n" for line in _lines()))
    bare = _parse_json(str(SAMPLE), "--year", "2026")
    got = _parse_json(str(wrapped), "--year", "2026")
    _same_events(got, bare, "docker")
    assert {e["fields"]["envelope_ts"] for e in got} == {TS}
    # the same through stdin
    assert _parse_json("-", "--year", "2026", stdin=wrapped.read_bytes()) == [
        {**e, "source": "-"} for e in got
    ]


def test_parse_json_on_a_journald_json_file(tmp_path: Path) -> None:
    wrapped = tmp_path / "journal.json"
    records = [
        {
            "MESSAGE": line,
            "__REALTIME_TIMESTAMP": str(1795600000000000 + i),
            "_PID": "4242",
            "_HOSTNAME": "db-2",
            "SYSLOG_IDENTIFIER": "redis-server",
            "_SYSTEMD_UNIT": "redis-server.service",
        }
        for i, line in enumerate(_lines())
    ]
    wrapped.write_text("".join(json.dumps(r) + "\n" for r in records))
    bare = _parse_json(str(SAMPLE), "--year", "2026")
    got = _parse_json(str(wrapped), "--year", "2026")
    _same_events(got, bare, "journald-json")
    typed = [e for e in got if e["ts"] is not None]
    assert {(e["fields"]["host"], e["fields"]["unit"], e["fields"]["pid"]) for e in typed} == {
        ("db-2", "redis-server.service", 4242)
    }


def test_tail_json_joins_cri_partial_lines(tmp_path: Path) -> None:
    log = tmp_path / "0.log"
    log.write_text("")
    tail = Tail("--json", "--from-start", str(log))
    try:
        line = _lines()[-1]
        with log.open("a") as f:
            f.write(f"{TS} stdout P {line[:25]}\n")
            f.flush()
            f.write(f"{TS} stdout F {line[25:]}\n")
        event = json.loads(tail.wait_for(1)[0])
        bare = _parse_json(str(SAMPLE), "--year", "2026")[-1]
        assert (event["kind"], event["message"], event["line"]) == (
            bare["kind"],
            bare["message"],
            1,
        )
        assert event["fields"]["envelope"] == "cri"
    finally:
        code, errors = tail.interrupt()
    assert (code, errors) == (0, "")


def test_a_kubelet_log_file_names_its_namespace_pod_and_container(tmp_path: Path) -> None:
    """A CRI line says only its stream and time; the kubelet's path says the rest:
    /var/log/pods/<namespace>_<pod>_<uid>/<container>/0.log."""
    from replwatch.logs.files import parse_file
    from replwatch.logs.parser import load_default_parser

    pod_dir = tmp_path / "pods" / "shop_redis-1_0f2c3a6e-8d1b-4a8e-9a53-6a1f2b3c4d5e" / "redis"
    pod_dir.mkdir(parents=True)
    log = pod_dir / "0.log"
    lines = _lines()
    # CRI lines, and (a runtime that wrote them bare) the same lines without envelope
    log.write_text("".join(f"{TS} stdout F {line}\n" for line in lines) + "\n".join(lines) + "\n")
    got = _parse_json(str(log), "--year", "2026")
    where = {"namespace": "shop", "pod": "redis-1", "container": "redis"}
    assert len(got) == 2 * len(lines)
    for event in got:
        assert {k: event["fields"].get(k) for k in where} == where, event
    assert got[0]["fields"]["envelope"] == "cri"
    # the fast JSON path and the events path agree to the byte
    raw = subprocess.run(
        [sys.executable, "-m", "replwatch", "parse", "--json", str(log), "--year", "2026"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode()
    events = list(parse_file(load_default_parser(), log, year=2026))
    assert [e.to_json() for e in events] == raw.splitlines()


def test_pods_that_all_listen_on_6379_are_named_by_their_pod(tmp_path: Path) -> None:
    from replwatch.logs.files import parse_file
    from replwatch.logs.parser import load_default_parser
    from replwatch.report import build_report

    seed = ROOT / "sample_logs" / "redis-7.0.15" / "seed"
    paths = []
    for pod, name in (("redis-0", "10000.log"), ("redis-1", "10001.log")):
        text = (seed / name).read_text(encoding="utf-8")
        text = text.replace("port=10000", "port=6379").replace("port=10001", "port=6379")
        folder = tmp_path / "pods" / f"shop_{pod}_0f2c3a6e-8d1b-4a8e-9a53-6a1f2b3c4d5e" / "redis"
        folder.mkdir(parents=True)
        cri = "".join(f"{TS} stdout F {line}\n" for line in text.splitlines())
        (folder / "0.log").write_text(cri)
        paths.append(str(folder / "0.log"))
    parser = load_default_parser()
    report = build_report([parse_file(parser, p, year=2026) for p in paths], files=paths)
    assert sorted(node.name for node in report.nodes) == ["redis-0", "redis-1"]


def test_docker_json_file_fast_path_is_byte_identical(tmp_path: Path) -> None:
    """Docker's json-file lines as Docker writes them (Go's encoder: compact, `<` `>`
    `&` as \\u003c..., a CRLF now and then): the fast JSON path, which reads them
    with one regex per batch, writes exactly what the events path does."""
    from replwatch.logs.files import json_batches, parse_file
    from replwatch.logs.parser import load_default_parser

    lines = []
    for path in sorted((ROOT / "sample_logs").rglob("*.log")):
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    log = tmp_path / "docker.log"
    with log.open("w", encoding="utf-8") as out:
        for i, line in enumerate(lines):
            text = json.dumps(line + ("\r\n" if i % 97 == 0 else "\n"), ensure_ascii=False)
            text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            stream = "stderr" if i % 5 == 0 else "stdout"
            stamp = f"2026-11-25T10:00:{i % 60:02d}.{i:09d}Z"
            out.write(f'{{"log":{text},"stream":"{stream}","time":"{stamp}"}}\n')
    fast = [j for b in json_batches(load_default_parser(), log, year=2026) for j in b.json]
    slow = [e.to_json() for e in parse_file(load_default_parser(), log, year=2026)]
    assert len(fast) == len(lines)
    assert fast == slow
    assert sum('"envelope":"docker-json"' in j for j in fast) > len(lines) * 0.9
