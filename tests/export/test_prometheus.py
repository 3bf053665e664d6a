"""A real Prometheus scraping ``export``; the shipped alert rules and dashboard."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.parse
from pathlib import Path

from replwatch.export.collector import METRIC_NAMES
from replwatch.lab import free_ports
from tests.export.conftest import ExporterFactory, fetch, require_tool, wait_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "prometheus"


def _query(prom_port: int, expr: str) -> list[dict]:
    url = f"http://127.0.0.1:{prom_port}/api/v1/query?query={urllib.parse.quote(expr)}"
    try:
        document = json.loads(fetch(url, timeout=2))
    except (OSError, ValueError):
        return []
    return document.get("data", {}).get("result", []) if document.get("status") == "success" else []


def test_prometheus_scrapes_export_and_sees_a_killed_replica(
    lab_factory, exporter_factory: ExporterFactory, tmp_path: Path
):
    binary = require_tool("prometheus")
    lab = lab_factory(3)
    exporter = exporter_factory(lab, interval=0.5, logs=False)
    prom_port = free_ports(1)[0]
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: replwatch\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{exporter.port}']\n"
    )
    proc = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{prom_port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        replica = f"127.0.0.1:{lab.ports[2]}"

        def link_up() -> str | None:
            for result in _query(prom_port, "replwatch_link_up"):
                if result["metric"].get("replica") == replica:
                    return str(result["value"][1])
            return None

        assert wait_for(lambda: link_up() == "1", timeout=30, step=0.5)
        assert len(_query(prom_port, "replwatch_link_up")) == 2
        lab.kill(lab.ports[2])
        assert wait_for(lambda: link_up() == "0", timeout=15, step=0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_promtool_accepts_the_alert_rules():
    promtool = require_tool("promtool")
    result = subprocess.run(
        [promtool, "check", "rules", str(DOCS / "alerts.yml")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\breplwatch_[a-z_]+", expr))


def test_alerts_and_dashboard_name_only_metrics_export_serves():
    served = set(METRIC_NAMES)
    alert_names = _metric_names((DOCS / "alerts.yml").read_text())
    assert alert_names and alert_names <= served
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert exprs
    for expr in exprs:
        assert _metric_names(expr), expr
        assert _metric_names(expr) <= served, expr
    titles = " ".join(panel["title"].lower() for panel in dashboard["panels"])
    for word in ("link", "lag", "headroom", "flaps", "syncs"):
        assert word in titles


def test_every_advertised_metric_is_on_the_page(seed_lab, exporter_factory: ExporterFactory):
    """METRIC_NAMES (what the dashboard test trusts) is what /metrics really has,
    once a link has been down (down_seconds) and a replica has synced."""
    exporter = exporter_factory(seed_lab, password="foobared")
    url = f"http://127.0.0.1:{exporter.port}/metrics"
    replica = seed_lab.ports[2]
    assert wait_for(lambda: "replwatch_link_up{" in fetch(url))
    client = seed_lab.client(replica)
    client.execute_command("CONFIG", "SET", "masterauth", "wrong")
    client.execute_command("CLIENT", "KILL", "TYPE", "master")

    seen: set[str] = set()

    def names() -> set[str]:
        page = fetch(url).splitlines()
        seen.update(line.split("{")[0].split(" ")[0] for line in page if line[:1] != "#")
        return seen

    assert wait_for(lambda: "replwatch_link_down_seconds" in names(), timeout=15)
    client.execute_command("CONFIG", "SET", "masterauth", "foobared")
    assert wait_for(lambda: "replwatch_syncs_total" in names(), timeout=15)
    assert wait_for(lambda: set(METRIC_NAMES) <= names(), timeout=5)
