"""A master and its replicas on loopback ports: the seed's topology, for real.

Why ``Popen(start_new_session=True)`` with ``daemonize no`` rather than ``daemonize yes``:
the server then *is* the child we started, so a start-up failure (bad config value, busy
port) shows up at once as an exit status instead of as a pid file that never appears;
the new session keeps it alive and out of the terminal's signals after the CLI exits.
The server still writes its own pid file, which is how a later, stateless CLI run (or
:meth:`Lab.load`) finds it again. Nodes are stopped by that pid, after checking
``/proc/<pid>/cmdline`` (see :mod:`replwatch.lab.process`), never by name.

The files it keeps are listed in :mod:`replwatch.lab.layout`; ``lab.json`` holds the
ports, the binary and the layout's flags (``protect_replicas``, ``cluster``), never the
password.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import redis

from replwatch.lab import config as cfg
from replwatch.lab import process, versions
from replwatch.lab.errors import LabError
from replwatch.lab.layout import LAB_FILE, LabLayout, tail
from replwatch.lab.ports import HOST, port_in_use
from replwatch.lab.server import ServerBinary, find_server, probe
from replwatch.lab.status import NodeStatus, from_info


class _Same(enum.Enum):
    SAME = "same"


#: ``replica_password`` default: replicas authenticate with the master's password.
SAME = _Same.SAME


#: What a node of a Cluster lab adds to its config: fast failure detection for tests.
_CLUSTER_SETTINGS = {
    "cluster-enabled": "yes",
    "cluster-config-file": "nodes.conf",
    "cluster-node-timeout": "1000",
}


class Lab(LabLayout):
    """A master on ``ports[0]`` and replicas of it on the other ports, in ``dir``.

    The seed's layout by default: ``password`` sets ``requirepass`` on the master only
    (and ``masterauth``, so it can follow a promoted replica); the replicas get only
    ``masterauth``, so they answer anyone without a password while the master answers
    ``NOAUTH``. ``protect_replicas`` puts ``requirepass`` on the replicas too. In a
    ``cluster`` lab every node is a master at first (and any may be promoted later), so
    every node gets ``requirepass`` whatever ``protect_replicas`` says.
    ``replica_password`` is what the replicas send as ``masterauth``: the same password
    by default, None for none, or a wrong one. ``config`` adds lines to every node's
    file, ``node_config`` to one node's (keyed by port, or by node index with 0 the
    master); values are written verbatim, so an empty value is ``'""'``.
    """

    def __init__(
        self,
        dir: Path,
        ports: Sequence[int],
        *,
        password: str | None = None,
        server: ServerBinary | None = None,
        replica_password: str | _Same | None = SAME,
        config: Mapping[str, str] | None = None,
        node_config: Mapping[int, Mapping[str, str]] | None = None,
        cluster: bool = False,
        protect_replicas: bool = False,
    ) -> None:
        super().__init__(dir, ports)
        self.cluster = cluster
        self.protect_replicas = protect_replicas
        cfg.check_password(password)
        if isinstance(replica_password, str):
            cfg.check_password(replica_password, "replica password")
        self.server = server if server is not None else find_server()
        self._password = password
        self._replica_password = password if replica_password is SAME else replica_password
        self._config = dict(config or {})
        self._node_config = {self._port_of(key): dict(v) for key, v in (node_config or {}).items()}
        self._loaded = False
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    # -- persistence --------------------------------------------------------------------

    @classmethod
    def load(cls, dir: Path) -> Lab:
        """Re-open a lab created by :meth:`up` (possibly by another process)."""
        lab_dir = Path(dir).absolute()
        try:
            description = json.loads((lab_dir / LAB_FILE).read_text())
            ports = [int(port) for port in description["ports"]]
            server_path = Path(description["server"])
            protect = description.get("protect_replicas")
            cluster = bool(description.get("cluster", False))
        except FileNotFoundError:
            raise LabError(f"no lab in {lab_dir}; start one with `replwatch lab up`") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LabError(f"cannot read {lab_dir / LAB_FILE}: {exc}") from None
        lab = cls(lab_dir, ports, server=probe(server_path), cluster=cluster)
        lab._password = cfg.read_setting(lab.config_path(lab.master_port), "requirepass")
        if protect is None:  # a lab.json from before the flag: the replicas' files tell
            protect = any(
                cfg.read_setting(lab.config_path(port), "requirepass") is not None
                for port in lab.replica_ports
            )
        lab.protect_replicas = bool(protect)
        lab._loaded = True
        return lab

    def requires_password(self, port: int) -> bool:
        """Whether the node on ``port`` has ``requirepass`` (see the class docstring)."""
        if self._password is None:
            return False
        return port == self.master_port or self.cluster or self.protect_replicas

    def _write_files(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        version = self.server.version_tuple
        for port in self.ports:
            is_master = port == self.master_port or self.cluster
            self.data_dir(port).mkdir(exist_ok=True, mode=0o700)
            cluster = _CLUSTER_SETTINGS if self.cluster else {}
            settings = cfg.node_settings(
                port=port,
                node_dir=self.data_dir(port),
                pidfile=self.pid_path(port),
                logfile=self.log_path(port),
                replicaof=None if is_master else self.master_port,
                replica_directive="replicaof",
                requirepass=self._password if self.requires_password(port) else None,
                masterauth=self._password if is_master else self._replica_password,
                extra={**cluster, **self._config, **self._node_config.get(port, {})},
            )
            adapted = versions.adapt_settings(settings, version)
            cfg.write_private(self.config_path(port), cfg.render(adapted))
        description = {
            "ports": self.ports,
            "server": str(self.server.path),
            "protect_replicas": self.protect_replicas,
            "cluster": self.cluster,
        }
        cfg.write_private(self.dir / LAB_FILE, json.dumps(description, indent=2) + "\n")

    # -- processes ----------------------------------------------------------------------

    def pid(self, port: int) -> int | None:
        """The pid of the running server on ``port``, or None (not running / stale pid file)."""
        return process.server_pid(
            self.pid_path(port),
            binary=self.server.path,
            port=port,
            config=self.config_path(port),
        )

    def _clear_stale_pidfile(self, port: int) -> None:
        if self.pid(port) is None:
            self.pid_path(port).unlink(missing_ok=True)

    def _launch(self, port: int) -> None:
        with cfg.open_private(self.output_path(port)) as output:
            child = subprocess.Popen(
                [str(self.server.path), str(self.config_path(port))],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                cwd=self.data_dir(port),
                start_new_session=True,
                # The server's own files (log, RDB, AOF, rewritten config) hold data and
                # maybe secrets: 0600 like everything else the lab writes.
                umask=0o077,
            )
        self._children[port] = child
        if not versions.writes_pidfile_in_foreground(self.server.version_tuple):
            # Redis before 3.2 writes its pid file only when it daemonizes itself; the
            # lab finds nodes by pid file, so it writes the file for them.
            cfg.write_private(self.pid_path(port), f"{child.pid}\n")

    def _startup_failure(self, port: int, what: str) -> LabError:
        output = tail(self.output_path(port), 3)
        lines = [*output, *tail(self.log_path(port), 4)]
        details = " | ".join(lines) or "(log is empty)"
        where = str(self.log_path(port))
        if output:  # config errors are printed before the log file is opened
            where += f" and {self.output_path(port)}"
        return LabError(
            f"{self.server.product}-server on port {port} {what}; read {where}: {details}"
        )

    def _wait_ready(self, port: int, deadline: float) -> None:
        child = self._children.get(port)
        client = self.client(port, timeout=0.5)
        try:
            while True:
                if child is not None and child.poll() is not None:
                    raise self._startup_failure(
                        port, f"exited during start-up (status {child.returncode})"
                    )
                with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
                    if client.ping():
                        return
                if time.monotonic() >= deadline:
                    raise self._startup_failure(port, "did not accept connections in time")
                time.sleep(0.05)
        except redis.AuthenticationError as exc:
            raise LabError(f"port {port} rejected the lab's password: {exc}") from None
        finally:
            client.close()

    def _signal_and_wait(self, port: int, pid: int, sig: signal.Signals, timeout: float) -> bool:
        process.send(pid, sig)
        if sig != signal.SIGKILL:
            process.send(pid, signal.SIGCONT)  # a SIGSTOPped server must run to exit
        gone = process.wait_gone(pid, timeout)
        child = self._children.get(port)
        if gone and child is not None and child.pid == pid:
            child.wait(timeout=1)  # reap our own child, so no zombie lingers
            del self._children[port]
        if gone and sig != signal.SIGKILL:
            self.pid_path(port).unlink(missing_ok=True)
        return gone

    # -- public operations --------------------------------------------------------------

    def up(
        self, timeout: float = 15, *, wait_links: bool = True, only: Sequence[int] | None = None
    ) -> None:
        """Start every node (or the ``only`` ones: the others are configured, to be
        started later) and wait until each started replica's link is up.

        Refuses busy ports and an already running lab; on any failure, stops the
        nodes it started and raises :class:`LabError` naming the log to read.
        """
        starting = [port for port in self.ports if only is None or port in only]
        self._refuse_running_lab()
        busy = [port for port in self.ports if port_in_use(port)]
        if busy:
            raise LabError(f"port {', '.join(map(str, busy))} already in use on {HOST}")
        if not self._loaded:
            self._write_files()
        deadline = time.monotonic() + timeout
        started: list[int] = []
        try:
            for port in starting:
                self._clear_stale_pidfile(port)
                self._launch(port)
                started.append(port)
            for port in starting:
                self._wait_ready(port, deadline)
            if wait_links and not self.cluster:
                for port in self.replica_ports:
                    if port in starting:
                        self.wait_link_up(port, max(0.1, deadline - time.monotonic()))
        except BaseException:
            for port in started:
                child = self._children.get(port)
                if child is not None and child.poll() is None:
                    self._signal_and_wait(port, child.pid, signal.SIGKILL, 5)
            # A signal (Ctrl-C, SIGTERM) may have landed inside the spawn itself,
            # leaving a server that was never recorded: find it by binary and dir.
            for port in self.ports:
                if port not in started:
                    for pid in process.orphans(binary=self.server.path, cwd=self.data_dir(port)):
                        self._signal_and_wait(port, pid, signal.SIGKILL, 5)
                        process.reap(pid)
            raise

    def form_cluster(self, replicas: int = 1, timeout: float = 30) -> None:
        """Join the nodes of a ``cluster=True`` lab into one Redis Cluster, as an
        operator does: ``redis-cli --cluster create ... --cluster-replicas N``; then
        wait until every node says ``cluster_state:ok``."""
        if not self.cluster:
            raise LabError("form_cluster needs a lab made with cluster=True")
        cli = shutil.which("redis-cli") or shutil.which("valkey-cli")
        if cli is None:
            raise LabError("redis-cli not found: apt-get install redis-tools")
        env = {k: v for k, v in os.environ.items() if k != "REDISCLI_AUTH"}
        if self._password is not None:
            env["REDISCLI_AUTH"] = self._password  # never in argv
        nodes = [f"{HOST}:{port}" for port in self.ports]
        done = subprocess.run(
            [cli, "--cluster", "create", *nodes, "--cluster-replicas", str(replicas),
             "--cluster-yes"],
            env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            tail_lines = (done.stdout + done.stderr).strip().splitlines()[-3:]
            raise LabError("redis-cli --cluster create failed: " + " / ".join(tail_lines))
        deadline = time.monotonic() + timeout
        for port in self.ports:
            while self.client(port).cluster("INFO").get("cluster_state") != "ok":
                if time.monotonic() > deadline:
                    raise LabError(f"node {port} did not reach cluster_state:ok")
                time.sleep(0.1)

    def _refuse_running_lab(self) -> None:
        """Refuse to start over a lab (of any ports) still running in the same dir."""
        previous = self
        if not self._loaded and (self.dir / LAB_FILE).exists():
            with contextlib.suppress(LabError):
                previous = Lab.load(self.dir)
        for lab in {id(previous): previous, id(self): self}.values():
            running = [port for port in lab.ports if lab.pid(port) is not None]
            if running:
                raise LabError(
                    f"a lab is already running in {self.dir} (ports "
                    f"{', '.join(map(str, running))}); take it down first"
                )

    def start(self, port: int, *, timeout: float = 15, wait_link: bool = True) -> None:
        """Start one stopped node with its config; for a replica, wait until its link is up."""
        self._check_port(port)
        if self.pid(port) is not None:
            raise LabError(f"lab node {port} is already running")
        if port_in_use(port):
            raise LabError(f"port {port} already in use on {HOST}")
        self._clear_stale_pidfile(port)
        deadline = time.monotonic() + timeout
        self._launch(port)
        try:
            self._wait_ready(port, deadline)
        except BaseException:
            child = self._children.get(port)
            if child is not None and child.poll() is None:
                self._signal_and_wait(port, child.pid, signal.SIGKILL, 5)
            raise
        if wait_link and port in self.replica_ports:
            self.wait_link_up(port, max(0.1, deadline - time.monotonic()))

    def stop(self, port: int, *, timeout: float = 15) -> None:
        """Stop one node with SIGTERM (a clean shutdown) and wait until it has exited."""
        self._check_port(port)
        pid = self._running_pid(port)
        if not self._signal_and_wait(port, pid, signal.SIGTERM, timeout):
            raise LabError(
                f"node {port} (pid {pid}) did not exit within {timeout:g}s of SIGTERM; "
                "`replwatch lab kill` forces it"
            )

    def kill(self, port: int) -> None:
        """SIGKILL one node, as the seed does: no shutdown, the pid file stays (stale)."""
        self._check_port(port)
        pid = self._running_pid(port)
        if not self._signal_and_wait(port, pid, signal.SIGKILL, 5):
            raise LabError(f"node {port} (pid {pid}) survived SIGKILL")

    def _running_pid(self, port: int) -> int:
        pid = self.pid(port)
        if pid is None:
            stale = self.pid_path(port).exists()
            self._clear_stale_pidfile(port)
            note = " (removed its stale pid file)" if stale else ""
            raise LabError(f"lab node {port} is not running{note}")
        return pid

    def lift_save_delay(self) -> None:
        """Set every running node's ``rdb-key-save-delay`` to 0 (best effort: a node
        may be down or busy). The delay makes a demo's full sync watchable; at the
        end it would also slow each node's shutdown save to many seconds."""
        for port in self.ports:
            if self.pid(port) is None:
                continue
            with contextlib.suppress(redis.RedisError, OSError):
                self.client(port, timeout=1).config_set("rdb-key-save-delay", 0)

    def down(self, *, purge: bool = False, timeout: float = 15) -> None:
        """Stop every node (SIGTERM, then SIGKILL after ``timeout``); ``purge`` removes files.

        Purging deletes only what the lab created, so ``--dir .`` cannot wipe a project.
        """
        running = {port: pid for port in self.ports if (pid := self.pid(port)) is not None}
        for pid in running.values():
            process.send(pid, signal.SIGTERM)
            process.send(pid, signal.SIGCONT)
        for port, pid in running.items():
            if not self._signal_and_wait(port, pid, signal.SIGTERM, timeout):
                self._signal_and_wait(port, pid, signal.SIGKILL, 5)
        for port in self.ports:
            self._clear_stale_pidfile(port)
        if purge:
            self.purge()

    # -- talking to nodes ---------------------------------------------------------------

    def client(self, port: int, *, timeout: float = 2.0) -> redis.Redis:
        """A redis-py client for one node, with the lab's password where that node
        requires one (:meth:`requires_password`)."""
        return redis.Redis(
            host=HOST,
            port=port,
            password=self._password if self.requires_password(port) else None,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            decode_responses=True,
            # redis-py 8 speaks RESP3 (HELLO) by default; servers before 6.0 know only
            # RESP2 and answer HELLO with "unknown command".
            protocol=2,
        )

    def write(self, key: str, value: str, *, port: int | None = None) -> None:
        """SET ``key`` to ``value`` on the master (or on ``port``)."""
        target = self.master_port if port is None else port
        client = self.client(target)
        try:
            client.set(key, value)
        except redis.RedisError as exc:
            raise LabError(f"cannot write to {HOST}:{target}: {exc}") from None
        finally:
            client.close()

    def info_replication(self, port: int) -> dict[str, object]:
        """INFO replication of one node, as redis-py parses it."""
        client = self.client(port, timeout=1.0)
        try:
            return client.info("replication")
        except redis.RedisError as exc:
            raise LabError(f"cannot read INFO from {HOST}:{port}: {exc}") from None
        finally:
            client.close()

    def status(self) -> list[NodeStatus]:
        """One :class:`NodeStatus` per node, in port order of the lab."""
        rows: list[NodeStatus] = []
        for port in self.ports:
            pid = self.pid(port)
            if pid is None:
                stale = self.pid_path(port).exists()
                rows.append(NodeStatus(port=port, pid=None, running=False, stale_pidfile=stale))
                continue
            try:
                rows.append(from_info(port, pid, self.info_replication(port)))
            except LabError as exc:
                rows.append(NodeStatus(port=port, pid=pid, running=True, error=str(exc)))
        return rows

    def wait_link_up(self, port: int, timeout: float = 15) -> None:
        """Wait until replica ``port`` reports ``master_link_status:up``."""
        self._wait_link(port, "up", timeout)

    def wait_link_down(self, port: int, timeout: float = 15) -> None:
        """Wait until replica ``port`` reports ``master_link_status:down``."""
        self._wait_link(port, "down", timeout)

    def _wait_link(self, port: int, wanted: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while True:
            try:
                last = str(self.info_replication(port).get("master_link_status", "none"))
            except LabError as exc:
                last = str(exc)
            if last == wanted:
                return
            if time.monotonic() >= deadline:
                raise LabError(
                    f"replica {port}: master link not {wanted} after {timeout:g}s "
                    f"(last: {last}); read {self.log_path(port)}"
                )
            time.sleep(0.05)
