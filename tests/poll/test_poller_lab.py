"""The poller against real servers started by the lab (Debian redis 7.0, valkey 8.1)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable

from replwatch.lab import Lab
from replwatch.poll.addresses import Address
from replwatch.poll.auth import ACL_RULES, Credentials
from replwatch.poll.rounds import Poller, PollSettings
from replwatch.topology.diff import diff
from replwatch.topology.snapshot import LINK_DOWN, LINK_UP, NODE_AUTH_REQUIRED, NODE_OK, Snapshot

PASSWORD = "foobared"
FAST = PollSettings(connect_timeout=0.5, read_timeout=0.5)


def targets(lab: Lab) -> list[Address]:
    return [Address("127.0.0.1", port) for port in lab.ports]


def addr(port: int) -> str:
    return f"127.0.0.1:{port}"


async def poll_until(
    poller: Poller, wanted: Callable[[Snapshot], bool], *, timeout: float = 15
) -> Snapshot:
    """Poll every 0.1 s until ``wanted(snapshot)``; the last snapshot if it never is."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        snapshot = await poller.poll()
        if wanted(snapshot) or loop.time() > deadline:
            return snapshot
        await asyncio.sleep(0.1)


async def test_seed_topology_through_master_restart(seed_lab: Lab) -> None:
    lab = seed_lab
    master, replicas = lab.master_port, lab.replica_ports
    fast_retry = PollSettings(connect_timeout=0.5, read_timeout=1.0)
    creds = Credentials(password=PASSWORD, source="environment")
    async with Poller(targets(lab), credentials=creds, settings=fast_retry) as poller:
        lab.write("greeting", "hello")

        def settled(snap: Snapshot) -> bool:
            offsets = {node.offset for node in snap.nodes}
            return len(offsets) == 1 and all(link.state == LINK_UP for link in snap.links)

        snap = await poll_until(poller, settled)
        assert [node.status for node in snap.nodes] == [NODE_OK] * 3
        assert [node.role for node in snap.nodes] == ["master", "replica", "replica"]
        assert len({node.offset for node in snap.nodes}) == 1
        assert snap.nodes[0].offset > 0
        assert len(snap.links) == 2
        for port in replicas:
            link = snap.link(addr(master), addr(port))
            assert link is not None
            assert (link.state, link.seen_from, link.lag_bytes) == (LINK_UP, "both", 0)
            assert link.backlog_headroom is not None and link.backlog_headroom > 0
        assert snap.nodes[0].config["logfile"] == str(lab.log_path(master))
        assert snap.nodes[0].version and snap.nodes[0].run_id
        old_run_id = snap.nodes[0].run_id

        lab.stop(master)
        down = await poll_until(
            poller, lambda s: all(link.state == LINK_DOWN for link in s.links) and not s.nodes[0].ok
        )
        assert down.nodes[0].status in {"unreachable", "timeout"}
        assert addr(master) in (down.nodes[0].error or "")
        assert "--tls" not in (down.nodes[0].error or "")
        assert all(link.state == LINK_DOWN for link in down.links) and len(down.links) == 2
        assert all(link.down_seconds is not None for link in down.links)  # seen by replicas
        kinds = {(e.kind, e.source) for e in diff(snap, down)}
        assert ("node_down", addr(master)) in kinds
        assert {("link_down", addr(port)) for port in replicas} <= kinds

        lab.start(master)
        back = await poll_until(poller, settled)
        assert all(link.state == LINK_UP for link in back.links) and len(back.links) == 2
        assert back.nodes[0].ok and back.nodes[0].run_id != old_run_id
        kinds = {(e.kind, e.source) for e in diff(down, back)}
        assert ("node_up", addr(master)) in kinds
        assert {("link_up", addr(port)) for port in replicas} <= kinds


async def test_stopped_replica_leaves_the_master_and_stays_down(lab_factory) -> None:
    lab = lab_factory(3)
    master, (gone, kept) = lab.master_port, lab.replica_ports
    async with Poller(targets(lab), settings=FAST) as poller:
        before = await poll_until(poller, lambda s: len(s.links) == 2)
        lab.stop(gone)
        after = await poll_until(
            poller, lambda s: all(e.port != gone for e in s.nodes[0].replication.replicas)
        )
    assert [e.port for e in after.nodes[0].replication.replicas] == [kept]
    assert after.node(addr(gone)).status == "unreachable"
    link = after.link(addr(master), addr(gone))
    assert link is not None and link.state == LINK_DOWN
    assert after.link(addr(master), addr(kept)).state == LINK_UP
    assert ("link_down", addr(gone)) in {(e.kind, e.source) for e in diff(before, after)}


async def test_hung_node_times_out_while_the_others_report(lab_factory) -> None:
    lab = lab_factory(3)
    hung = lab.replica_ports[0]
    pid = lab.pid(hung)
    assert pid is not None
    async with Poller(targets(lab), settings=FAST) as poller:
        await poll_until(poller, lambda s: len(s.links) == 2)
        os.kill(pid, signal.SIGSTOP)
        try:
            snap = await poller.poll()
        finally:
            os.kill(pid, signal.SIGCONT)
    statuses = {node.address: node.status for node in snap.nodes}
    assert statuses == {
        addr(lab.master_port): "ok",
        addr(hung): "timeout",
        addr(lab.ports[2]): "ok",
    }
    assert addr(hung) in (snap.node(addr(hung)).error or "")
    assert snap.node(addr(lab.master_port)).replication.connected_replicas >= 1


async def test_auth_states(lab_factory) -> None:
    lab = lab_factory(1, password=PASSWORD)
    for creds, problem in [
        (Credentials(), "noauth"),
        (Credentials(password="not-the-password", source="argument"), "wrongpass"),
    ]:
        async with Poller(targets(lab), credentials=creds, settings=FAST) as poller:
            (node,) = (await poller.poll()).nodes
        assert node.status == NODE_AUTH_REQUIRED and node.auth_problem == problem
        assert node.error.startswith(addr(lab.master_port))
        assert "not-the-password" not in repr(node) + str(node.to_dict())
    # the password given to a server that has none is dropped, as redis-cli does
    open_lab = lab_factory(1)
    creds = Credentials(password="unneeded", source="argument")
    async with Poller(targets(open_lab), credentials=creds, settings=FAST) as poller:
        assert (await poller.poll()).nodes[0].ok


async def test_minimal_acl_user_can_poll_and_nothing_more(lab_factory, server_kind) -> None:
    lab = lab_factory(1, password=PASSWORD, server_kind=server_kind)
    admin = lab.client(lab.master_port)
    try:
        admin.execute_command("ACL", "SETUSER", "replwatch", "reset", ">s3cret", *ACL_RULES)
        admin.execute_command("ACL", "SETUSER", "noconfig", "reset", ">s3cret", *ACL_RULES[:-1])
    finally:
        admin.close()
    for user, config_allowed in [("replwatch", True), ("noconfig", False)]:
        creds = Credentials(username=user, password="s3cret", source="prompt")
        async with Poller(targets(lab), credentials=creds, settings=FAST) as poller:
            (node,) = (await poller.poll()).nodes
            client = poller.nodes[0]._make_client()
            try:
                assert await client.execute_command("PING") in ("PONG", True)
                denied = await client.execute_command("SET", "k", "v")
            except Exception as exc:  # the ACL refuses writes
                denied = exc
            finally:
                await client.aclose()
        assert node.ok and node.role == "master", node.error
        assert "NOPERM" in str(denied) or "permission" in str(denied).lower()
        if config_allowed:
            assert node.config["logfile"] == str(lab.log_path(lab.master_port))
            assert node.config_error is None
        else:
            assert node.config == {} and "NOPERM" in (node.config_error or "").upper()


async def test_restarted_master_is_seen_as_soon_as_its_replicas_see_it(lab_factory) -> None:
    """A refused connection is retried every round, not after a backoff of seconds."""
    lab = lab_factory(3)
    master = addr(lab.master_port)
    async with Poller(targets(lab), settings=FAST) as poller:
        await poll_until(poller, lambda s: [link.state for link in s.links] == [LINK_UP] * 2)
        watch = poller.watch(0.2)
        lab.kill(lab.master_port)
        down_rounds = 0
        while down_rounds < 12:  # ~2.4 s refused: a backoff would have grown to seconds
            snap = await anext(watch)
            down_rounds += not snap.node(master).ok
        assert snap.node(master).status == "unreachable"
        assert "refused" in (snap.node(master).error or "")
        lab.start(lab.master_port)
        for _ in range(100):  # 20 s at most
            snap = await anext(watch)
            if [link.state for link in snap.links] == [LINK_UP] * 2:
                break
        assert [link.state for link in snap.links] == [LINK_UP] * 2
        # the master is `ok` by the round in which its replicas' links are back up
        assert snap.node(master).ok, snap.node(master).error


async def test_hung_node_does_not_hold_back_the_others_snapshots(lab_factory) -> None:
    """Under watch, a SIGSTOP'd node costs its own row a `timeout`, not the round its pace."""
    lab = lab_factory(3)
    hung = lab.replica_ports[0]
    pid = lab.pid(hung)
    assert pid is not None
    interval, window = 0.2, 2.0
    loop = asyncio.get_running_loop()
    patient = PollSettings(connect_timeout=1.0, read_timeout=4.0)  # a hung read takes 4 s
    async with Poller(targets(lab), settings=patient) as poller:
        await poll_until(poller, lambda s: len(s.links) == 2)
        watch = poller.watch(interval)
        snaps: list[Snapshot] = []
        os.kill(pid, signal.SIGSTOP)
        try:
            started = loop.time()
            while loop.time() - started < window:
                snaps.append(await anext(watch))
        finally:
            os.kill(pid, signal.SIGCONT)
    # 10 rounds at the poll pace; a round waiting for the hung node gives 1
    assert len(snaps) >= window / (2 * interval), len(snaps)
    for snap in snaps:
        assert snap.node(addr(lab.master_port)).ok
        assert snap.node(addr(lab.ports[2])).ok
        assert snap.node(addr(hung)).status == "timeout"
    # one request carries on (never a second beside it): its wait grows across rounds
    error = snaps[-1].node(addr(hung)).error or ""
    assert error.startswith(f"{addr(hung)}: no answer for "), error
    waited = float(error.split("no answer for ")[1].split(" s")[0])
    assert waited >= window / 2, error


async def test_following_finds_the_replicas_a_master_lists(seed_lab: Lab) -> None:
    lab = seed_lab
    creds = Credentials(password=PASSWORD, source="environment")
    only_master = [Address("127.0.0.1", lab.master_port)]

    def both_linked(snap: Snapshot) -> bool:
        return len(snap.nodes) == 3 and sum(link.state == LINK_UP for link in snap.links) == 2

    async with Poller(only_master, credentials=creds, settings=FAST, follow=True) as poller:
        snap = await poll_until(poller, both_linked)
        assert sorted(n.address for n in snap.nodes) == sorted(addr(p) for p in lab.ports)
        assert both_linked(snap), [(link.replica, link.state) for link in snap.links]
        again = await poller.poll()  # a node found once is polled, never added twice
        assert len(again.nodes) == 3
    async with Poller(only_master, credentials=creds, settings=FAST) as lone:
        assert [n.address for n in (await lone.poll()).nodes] == [addr(lab.master_port)]


async def test_seed_layout_one_password_polls_every_node(seed_lab: Lab) -> None:
    """The seed's replicas have no password: given one, they are polled without it,
    and what each node showed is kept (the master asks, the replicas do not)."""
    lab = seed_lab
    master, replicas = addr(lab.master_port), [addr(p) for p in lab.replica_ports]
    creds = Credentials(password=PASSWORD, source="environment")
    async with Poller(targets(lab), credentials=creds, settings=FAST) as poller:
        snap = await poll_until(poller, lambda s: [k.state for k in s.links] == [LINK_UP] * 2)
        assert [node.status for node in snap.nodes] == [NODE_OK] * 3
        assert [node.auth_problem for node in snap.nodes] == [None] * 3
        assert snap.node(master).password_required is True
        assert [snap.node(r).password_required for r in replicas] == [False, False]
        assert all(node.config.get("logfile") for node in snap.nodes)  # log discovery works
        assert PASSWORD not in str(snap.to_dict())

        # the replica is given a password after all: it is sent the password again
        replica = lab.client(lab.replica_ports[0])
        try:
            replica.config_set("requirepass", PASSWORD)
            replica.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        finally:
            replica.close()
        snap = await poll_until(poller, lambda s: s.node(replicas[0]).password_required is True)
        assert snap.node(replicas[0]).ok and snap.node(replicas[0]).password_required is True

    async with Poller(targets(lab), settings=FAST) as poller:  # no password at all
        snap = await poller.poll()
    assert snap.node(master).auth_problem == "noauth"
    assert snap.node(master).password_required is True
    assert snap.node(replicas[1]).ok and snap.node(replicas[1]).password_required is False


async def test_a_listed_replica_that_never_answers_is_retried_less_and_less(
    lab_factory,
) -> None:  # type: ignore[no-untyped-def]
    """A master may list replicas whose ports refuse us (announce-ip, a NAT, 1,000
    of them): each was retried every round, 80 % of a core at 1,000. A followed node
    that never answered now backs off; a node the user gave is still tried each round."""
    import socket

    from replwatch.lab import free_ports

    lab = lab_factory(1)
    listed, given = free_ports(2)  # nothing listens on either
    fake = socket.create_connection(("127.0.0.1", lab.master_port))
    try:
        fake.sendall(f"REPLCONF listening-port {listed}\r\n".encode())
        fake.recv(16)
        fake.sendall(b"PSYNC ? -1\r\n")  # the master now lists 127.0.0.1:<listed>
        now = [0.0]
        given_target = Address("127.0.0.1", given)
        poller = Poller(
            [Address("127.0.0.1", lab.master_port), given_target],
            follow=True,
            settings=FAST,
            clock=lambda: now[0],
        )
        tried: dict[str, int] = {addr(listed): 0, addr(given): 0}
        last: dict[str, object] = {}
        async with poller:
            await poll_until(poller, lambda s: s.node(addr(listed)) is not None)
            for _ in range(40):  # 40 rounds, a second apart on the poller's clock
                snapshot = await poller.poll()
                assert snapshot.node(addr(lab.master_port)).status == NODE_OK
                for address in tried:
                    state = snapshot.node(address)
                    assert state is not None and state.status == "unreachable"
                    if state is not last.get(address):  # a new attempt, not the last answer
                        tried[address] += 1
                        last[address] = state
                now[0] += 1.0
        assert tried[addr(given)] == 40
        assert tried[addr(listed)] <= 10  # 0.5, 1, 2, 4, 8, then every 15 s
    finally:
        fake.close()
