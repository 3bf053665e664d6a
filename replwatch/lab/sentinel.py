"""Sentinels watching a lab's master, so a real failover can be provoked and recorded.

Each Sentinel is the lab's own server binary run as ``<server> <conf> --sentinel``,
with its config in the lab dir (``sentinel-<port>.conf``, mode 0600 from the first
byte, and still 0600 after Sentinel rewrites it: the process runs with umask 077,
since it holds ``sentinel auth-pass``), its log in ``sentinel-<port>.log`` (the
``sentinel-`` prefix is how ``replwatch report`` tells a Sentinel's log from a data
node's) and its pid file in ``sentinel-<port>.pid``. As with :class:`~replwatch.lab.Lab`
the process is our direct child in a new session, and it is stopped by the pid in its
pid file after ``/proc/<pid>/cmdline`` confirms it, never by name.

The timings are low on purpose (``down-after-milliseconds`` 1000 by default) so a
SIGKILLed master is replaced within a few seconds, which is what tests and
``scripts/record_sentinel.py`` need; production values are tens of seconds.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import redis

from replwatch.lab import config as cfg
from replwatch.lab import process
from replwatch.lab.errors import LabError
from replwatch.lab.lab import Lab
from replwatch.lab.layout import tail
from replwatch.lab.ports import HOST, port_in_use

MASTER_NAME = "mymaster"


class SentinelGroup:
    """N Sentinels on ``ports`` monitoring ``lab``'s master as ``master_name``.

    ``quorum`` defaults to a majority of the Sentinels. The password Sentinels use to
    talk to the data nodes (``sentinel auth-pass``) is read from the master's config
    file, so it never passes through argv. Sentinel sends it to the replicas too and
    ignores the refusal of one without a password, so it watches the seed's layout
    (replicas without ``requirepass``) as well. But a failover there promotes a replica
    with no password, and the other nodes, which send ``masterauth``, cannot attach to
    it (``Unable to AUTH to MASTER: -ERR AUTH <password> called without any password
    configured``): build the lab with ``protect_replicas=True`` for a failover that
    heals.
    """

    def __init__(
        self,
        lab: Lab,
        ports: Sequence[int],
        *,
        master_name: str = MASTER_NAME,
        quorum: int | None = None,
        down_after_ms: int = 1000,
        failover_timeout_ms: int = 5000,
    ) -> None:
        if not ports:
            raise LabError("a Sentinel group needs at least one port")
        if len(set(ports)) != len(ports) or set(ports) & set(lab.ports):
            raise LabError(f"Sentinel ports must be distinct and not lab ports: {list(ports)}")
        self.lab = lab
        self.ports = [int(port) for port in ports]
        self.master_name = master_name
        self.quorum = quorum if quorum is not None else len(self.ports) // 2 + 1
        self.down_after_ms = down_after_ms
        self.failover_timeout_ms = failover_timeout_ms
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    # -- files ----------------------------------------------------------------------------

    @property
    def dir(self) -> Path:
        return self.lab.dir

    def _path(self, port: int, suffix: str) -> Path:
        return self.dir / f"sentinel-{port}{suffix}"

    def log_path(self, port: int) -> Path:
        """The Sentinel's own log file (``sentinel-<port>.log``)."""
        return self._path(port, ".log")

    def config_path(self, port: int) -> Path:
        return self._path(port, ".conf")

    def pid_path(self, port: int) -> Path:
        return self._path(port, ".pid")

    def output_path(self, port: int) -> Path:
        return self._path(port, ".out")

    def _settings(self, port: int, password: str | None) -> str:
        name = self.master_name
        lines = [
            f"port {port}",
            f"bind {HOST}",
            "daemonize no",
            f"pidfile {cfg._quote(str(self.pid_path(port)))}",
            f"logfile {cfg._quote(str(self.log_path(port)))}",
            "loglevel notice",
            f"dir {cfg._quote(str(self._path(port, '')))}",
            f"sentinel monitor {name} {HOST} {self.lab.master_port} {self.quorum}",
            f"sentinel down-after-milliseconds {name} {self.down_after_ms}",
            f"sentinel failover-timeout {name} {self.failover_timeout_ms}",
            f"sentinel parallel-syncs {name} 1",
        ]
        if password is not None:
            lines.append(f"sentinel auth-pass {name} {cfg._quote(password)}")
        return "\n".join(lines) + "\n"

    # -- processes ------------------------------------------------------------------------

    def pid(self, port: int) -> int | None:
        """The pid of the running Sentinel on ``port``, or None."""
        return process.server_pid(
            self.pid_path(port),
            binary=self.lab.server.path,
            port=port,
            config=self.config_path(port),
        )

    def up(self, timeout: float = 15, *, wait_discovery: bool = True) -> None:
        """Start every Sentinel; by default wait until each knows all replicas and peers.

        Discovery (Sentinels find each other through hello messages on the master)
        must be complete before a failover, or the quorum cannot be reached.
        """
        busy = [port for port in self.ports if port_in_use(port)]
        if busy:
            raise LabError(f"port {', '.join(map(str, busy))} already in use on {HOST}")
        password = cfg.read_setting(self.lab.config_path(self.lab.master_port), "requirepass")
        deadline = time.monotonic() + timeout
        try:
            for port in self.ports:
                self._path(port, "").mkdir(parents=True, exist_ok=True, mode=0o700)
                cfg.write_private(self.config_path(port), self._settings(port, password))
                self._launch(port)
            for port in self.ports:
                self._wait_ready(port, deadline)
            if wait_discovery:
                self.wait_discovery(max(0.1, deadline - time.monotonic()))
        except BaseException:
            self.down()
            raise

    def _launch(self, port: int) -> None:
        with cfg.open_private(self.output_path(port)) as output:
            self._children[port] = subprocess.Popen(
                [str(self.lab.server.path), str(self.config_path(port)), "--sentinel"],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                cwd=self._path(port, ""),
                start_new_session=True,
                # Sentinel rewrites its config (auth-pass included) at start-up and on
                # every change, via a new file whose mode follows the umask: keep it 0600.
                umask=0o077,
            )

    def _wait_ready(self, port: int, deadline: float) -> None:
        child = self._children[port]
        client = self.client(port, timeout=0.5)
        try:
            while True:
                if child.poll() is not None:
                    details = " | ".join([*tail(self.output_path(port), 3)]) or "(no output)"
                    raise LabError(
                        f"Sentinel on port {port} exited during start-up "
                        f"(status {child.returncode}); read {self.log_path(port)}: {details}"
                    )
                with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                    if client.ping():
                        return
                if time.monotonic() >= deadline:
                    raise LabError(f"Sentinel on port {port} did not answer in time")
                time.sleep(0.05)
        finally:
            client.close()

    def start(self, port: int, timeout: float = 15) -> None:
        """Start again one Sentinel that :meth:`stop` stopped, with the config it
        rewrote (it remembers the replicas and the other Sentinels)."""
        if port not in self.ports:
            raise LabError(f"{port} is not a port of this Sentinel group")
        if self.pid(port) is not None:
            return
        self._launch(port)
        self._wait_ready(port, time.monotonic() + timeout)

    def stop(self, port: int, *, sig: signal.Signals = signal.SIGTERM, timeout: float = 10) -> None:
        """Stop one Sentinel by its pid (SIGTERM, then SIGKILL if it lingers)."""
        pid = self.pid(port)
        child = self._children.pop(port, None)
        if pid is None and child is not None and child.poll() is None:
            pid = child.pid  # still starting: no pid file yet
        if pid is not None:
            process.send(pid, sig)
            process.send(pid, signal.SIGCONT)
            if not process.wait_gone(pid, timeout):
                process.send(pid, signal.SIGKILL)
                process.wait_gone(pid, 5)
        if child is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=1)
        self.pid_path(port).unlink(missing_ok=True)

    def down(self, *, purge: bool = False) -> None:
        """Stop every Sentinel; ``purge`` also deletes the files they used."""
        for port in self.ports:
            self.stop(port)
        if purge:
            for port in self.ports:
                for suffix in (".conf", ".log", ".out", ".pid"):
                    self._path(port, suffix).unlink(missing_ok=True)
                shutil.rmtree(self._path(port, ""), ignore_errors=True)

    # -- asking Sentinels -----------------------------------------------------------------

    def client(self, port: int, *, timeout: float = 2.0) -> redis.Redis:
        """A redis-py client for one Sentinel (Sentinels themselves have no password here)."""
        return redis.Redis(
            host=HOST,
            port=port,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            decode_responses=True,
        )

    def master_info(self, port: int) -> dict[str, object]:
        """``SENTINEL MASTER <name>`` as a dict, from the Sentinel on ``port``."""
        client = self.client(port)
        try:
            reply = client.sentinel_master(self.master_name)
            return dict(reply) if isinstance(reply, dict) else {}
        except redis.RedisError as exc:
            raise LabError(
                f"Sentinel {port}: cannot read master {self.master_name}: {exc}"
            ) from None
        finally:
            client.close()

    def master_port_seen(self, port: int) -> int | None:
        """The master's port according to the Sentinel on ``port``."""
        client = self.client(port)
        try:
            answer = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.master_name)
        except redis.RedisError:
            return None
        finally:
            client.close()
        return int(answer[1]) if answer else None

    def wait_discovery(self, timeout: float = 15) -> None:
        """Wait until every Sentinel sees all lab replicas and every other Sentinel."""
        replicas, others = len(self.lab.replica_ports), len(self.ports) - 1
        self._wait(
            timeout,
            "discover the replicas and each other",
            lambda port: (
                int(str((info := self.master_info(port)).get("num-slaves", 0))) >= replicas
                and int(str(info.get("num-other-sentinels", 0))) >= others
            ),
        )

    def wait_master(self, master_port: int, timeout: float = 30) -> None:
        """Wait until every Sentinel names ``master_port`` as the master."""
        self._wait(
            timeout,
            f"agree that {HOST}:{master_port} is the master",
            lambda port: self.master_port_seen(port) == master_port,
        )

    def wait_log(self, text: str, timeout: float = 30) -> None:
        """Wait until some Sentinel's log contains ``text`` (e.g. ``+convert-to-slave``)."""
        needle = text.encode()
        deadline = time.monotonic() + timeout
        while not any(
            needle in self.log_path(port).read_bytes()
            for port in self.ports
            if self.log_path(port).exists()
        ):
            if time.monotonic() >= deadline:
                raise LabError(f"no Sentinel logged {text!r} within {timeout:g}s")
            time.sleep(0.1)

    def _wait(self, timeout: float, what: str, done: Callable[[int], bool]) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.ports)
        while True:
            pending = [port for port in pending if not _safe(done, port)]
            if not pending:
                return
            if time.monotonic() >= deadline:
                logs = ", ".join(str(self.log_path(p)) for p in pending)
                raise LabError(f"Sentinels {pending} did not {what} in {timeout:g}s; read {logs}")
            time.sleep(0.1)


def _safe(check: Callable[[int], bool], port: int) -> bool:
    try:
        return bool(check(port))
    except (LabError, redis.RedisError, ValueError):
        return False
