"""The HTTP side of ``export``: ``/metrics``, ``/`` and ``/-/healthy``.

A standard-library threading server: each scrape renders the collector in its
own thread from the state the workers keep, so a slow client or a scrape never
delays the poller, and nothing here opens a connection to a node.
"""

from __future__ import annotations

import html
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from replwatch import __version__

INDEX_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>replwatch export</title></head>
<body><h1>replwatch export {version}</h1>
<p>Redis/Valkey replication metrics for Prometheus.</p>
<ul><li><a href="metrics">/metrics</a></li><li><a href="-/healthy">/-/healthy</a></li></ul>
</body></html>
"""


class _ExportServer(ThreadingHTTPServer):
    daemon_threads = True
    # Refuse a port someone else holds, rather than sharing it (SO_REUSEADDR only
    # skips TIME_WAIT on Linux, so keeping it is harmless and restarts are quick).
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], registry: CollectorRegistry) -> None:
        self.registry = registry
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _ExportServer
    server_version = f"replwatch/{__version__}"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(200, CONTENT_TYPE_LATEST, generate_latest(self.server.registry))
        elif path in ("/", "/index.html"):
            page = INDEX_PAGE.format(version=html.escape(__version__))
            self._send(200, "text/html; charset=utf-8", page.encode())
        elif path == "/-/healthy":
            self._send(200, "text/plain; charset=utf-8", b"replwatch export is healthy.\n")
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found: try /metrics\n")

    def _send(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: one line per scrape every second would drown the real messages."""


def make_server(host: str, port: int, registry: CollectorRegistry) -> ThreadingHTTPServer:
    """Bind ``host:port`` now (``OSError`` when taken); serve with ``serve_forever()``."""
    return _ExportServer((host, port), registry)
