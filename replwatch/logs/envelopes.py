"""Envelopes: what log collectors put in front of a Redis line, taken off and kept.

In 2026 most Redis runs in a container or under systemd, so a line usually reaches
replwatch wrapped: ``docker logs -t`` puts an RFC 3339 time in front, ``docker
compose logs`` a ``redis-1  | `` column, a CRI runtime writes ``TS stdout F``,
Docker's json-file driver and ``journalctl -o json`` a whole JSON object. This
module takes such an envelope off and returns the Redis text inside plus the
envelope's own facts (container, pod, host, stream, time...), so that the parser
can give exactly the event the bare line gives and keep where it came from. See
``docs/envelopes.md`` for each envelope, its detection and its facts.

Pure: text in, :class:`Unwrapped` out; no I/O, no clock. Most envelopes are one
anchored regex fragment (:class:`Envelope`) so that the ``parse --json`` hot loop
can glue a chain of them in front of a header dialect and read a whole batch with
one ``findall``; the JSON envelopes are decoded with :mod:`json` (general path).
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from replwatch.logs.timestamps import MONTHS

#: Every key an envelope may add to ``Event.fields`` (the contract's reserved keys).
ENVELOPE_KEYS = frozenset(
    {
        "envelope",
        "container",
        "pod",
        "namespace",
        "host",
        "stream",
        "envelope_ts",
        "unit",
        "ident",
        "pid",
        "label",
    }
)

#: An envelope time: (contract-style ts or None when it has no year, year or None,
#: month, the text as written). The year and month fix yearless Redis headers.
EnvTime = tuple[str | None, int | None, int]

# Value fragments: only characters that JSON writes as themselves (ASCII letters,
# digits and ``_.:+/@-``), so that the hot loop may quote them without escaping.
_ISO_BODY = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?"
_ISO = "(" + _ISO_BODY + ")"
_SYSLOG_TS = r"([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,6})?)"
_HOST = r"([\w.:-]{1,255})"
# greedy: an ident cannot hold the "[" or ":" that ends it, so greedy and lazy
# match alike, and greedy is a third faster in the hot loop
_IDENT = r"([\w./@-]{1,128})"
_NAME = r"([A-Za-z0-9][\w.-]{0,252})"


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact an envelope keeps: ``key`` from regex group ``group`` (0-based),
    or the constant ``value``; ``as_int``: digits written as a JSON number."""

    key: str
    group: int | None = None
    value: str | None = None
    as_int: bool = False


@dataclass(frozen=True, slots=True)
class Envelope:
    """One regex envelope: an anchored fragment with unnamed groups, the facts it
    keeps, and which group holds its time (``iso``/``syslog`` style)."""

    name: str
    pattern: str
    facts: tuple[Fact, ...]
    ts_group: int | None = None
    ts_style: str = "iso"
    #: False for guesses (a label in front): only kept when the inside is a Redis line.
    strong: bool = True
    #: Group holding CRI's P/F tag (P = partial line, joined with what follows).
    partial_group: int | None = None
    #: The fragment the hot loop uses when it differs (CRI: only ``F`` lines).
    fast_pattern: str | None = None
    #: Every group is always there, never ``-`` and kept as a string.
    plain: bool = True
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    groups: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = re.compile(self.pattern, re.ASCII)
        object.__setattr__(self, "regex", compiled)
        object.__setattr__(self, "groups", compiled.groups)

    def fact_dict(self, groups: Sequence[str | None]) -> dict[str, Any]:
        """The facts for one match's groups (absent groups give no key)."""
        out: dict[str, Any] = {}
        for fact in self.facts:
            if fact.group is None:
                out[fact.key] = fact.value
                continue
            value = groups[fact.group]
            if value is None or value == "" or value == "-":
                continue
            out[fact.key] = int(value) if fact.as_int and value.isdigit() else value
        return out

    def time(self, groups: Sequence[str | None]) -> EnvTime | None:
        if self.ts_group is None or groups[self.ts_group] is None:
            return None
        text = groups[self.ts_group] or ""
        return iso_time(text) if self.ts_style == "iso" else syslog_time(text)


@dataclass(slots=True)
class Unwrapped:
    """The Redis text inside one line's envelope(s) and what the envelopes said."""

    inner: str
    #: ``envelope`` (the outermost's name) first, then each envelope's facts.
    facts: dict[str, Any]
    #: The regex envelopes taken off, outermost first (empty for JSON envelopes).
    chain: tuple[Envelope, ...]
    when: EnvTime | None = None
    strong: bool = True
    #: CRI ``P``: this is the first part of a longer line.
    partial: bool = False
    #: Key under which a partial line waits for its end (the CRI stream).
    stream: str = ""
    #: The text inside the outermost envelope only (a CRI part joins by this).
    outer_inner: str = ""


def iso_time(text: str) -> EnvTime | None:
    """RFC 3339 / ISO time -> contract ts (ms, offset as written), year, month."""
    if len(text) < 19 or text[4] != "-" or text[10] != "T":
        return None
    try:
        year, month = int(text[:4]), int(text[5:7])
    except ValueError:
        return None
    if not 1 <= month <= 12:
        return None
    rest = text[19:]
    frac = ""
    if rest[:1] in (".", ","):
        digits = rest[1:]
        n = len(digits) - len(digits.lstrip("0123456789"))
        frac, rest = digits[:n], digits[n:]
    return f"{text[:19]}.{(frac + '000')[:3]}{rest}", year, month


def syslog_time(text: str) -> EnvTime | None:
    """``Jan  2 03:04:05[.ffffff]`` -> (None: no year), month; the parser dates it."""
    month = MONTHS.get(text[:3])
    return None if month is None else (None, None, month)


def syslog_ts(text: str, year: int) -> str:
    """A yearless syslog time in contract style, in ``year``."""
    month = MONTHS.get(text[:3], 1)
    day = int(text[4:6].strip() or 0)
    clock = text[7:]
    if "." not in clock:
        clock += ".000"
    else:
        hms, frac = clock.split(".", 1)
        clock = f"{hms}.{(frac + '000')[:3]}"
    return f"{year:04d}-{month:02d}-{day:02d}T{clock}"


_SYSLOG_TAG = rf"{_HOST} {_IDENT}(?:\[(\d{{1,10}})\])?: ?"

#: The regex envelopes, in the order they are tried on a line nobody claimed yet.
REGEX_ENVELOPES: tuple[Envelope, ...] = (
    Envelope(
        "cri",
        _ISO + r" (stdout|stderr) ([PF]) ",
        (Fact("envelope", value="cri"), Fact("stream", 1), Fact("envelope_ts", 0)),
        ts_group=0,
        partial_group=2,
        fast_pattern=_ISO + r" (stdout|stderr) (F) ",
    ),
    Envelope(
        "docker",
        _ISO + " ",
        (Fact("envelope", value="docker"), Fact("envelope_ts", 0)),
        ts_group=0,
    ),
    Envelope(
        "kubectl",
        r"\[pod/([\w.][\w.-]{0,252})/([\w.][\w.-]{0,252})\] ",
        (Fact("envelope", value="kubectl"), Fact("pod", 0), Fact("container", 1)),
    ),
    Envelope(
        "compose",
        _NAME + r" +\| ",
        (Fact("envelope", value="compose"), Fact("container", 0)),
    ),
    Envelope(
        "syslog5424",
        r"<(\d{1,3})>1 (-|"
        + _ISO_BODY
        + ") "
        + _HOST
        + r" ([\w./@-]{1,48}) ([\w.-]{1,128}) ([\w.-]{1,32}) "
        r"(?:-|(?:\[[^\]\"\\]*(?:\"[\w .:/@=-]*\"[^\]\"\\]*)*\])+) \ufeff?",
        (
            Fact("envelope", value="syslog5424"),
            Fact("host", 2),
            Fact("ident", 3),
            Fact("pid", 4, as_int=True),
            Fact("envelope_ts", 1),
        ),
        ts_group=1,
        plain=False,
    ),
    Envelope(
        "syslog3164",
        r"<(\d{1,3})>" + _SYSLOG_TS + " " + _SYSLOG_TAG,
        (
            Fact("envelope", value="syslog3164"),
            Fact("host", 2),
            Fact("ident", 3),
            Fact("pid", 4, as_int=True),
            Fact("envelope_ts", 1),
        ),
        ts_group=1,
        ts_style="syslog",
        plain=False,
    ),
    Envelope(
        "journald",
        _SYSLOG_TS + " " + _SYSLOG_TAG,
        (
            Fact("envelope", value="journald"),
            Fact("host", 1),
            Fact("ident", 2),
            Fact("pid", 3, as_int=True),
            Fact("envelope_ts", 0),
        ),
        ts_group=0,
        ts_style="syslog",
        plain=False,
    ),
    Envelope(
        "journald",  # short-iso / short-iso-precise, and rsyslog's RFC 3339 files
        _ISO + " " + _SYSLOG_TAG,
        (
            Fact("envelope", value="journald"),
            Fact("host", 1),
            Fact("ident", 2),
            Fact("pid", 3, as_int=True),
            Fact("envelope_ts", 0),
        ),
        ts_group=0,
        plain=False,
    ),
    Envelope(
        "label",  # [S] / [redis-1] / [10.0.0.1:6379]
        r"\[([\w .:/@-]{1,64})\] ?",
        (Fact("envelope", value="label"), Fact("label", 0)),
        strong=False,
    ),
    Envelope(
        "label",  # NODE1 - / redis-1: / redis-1:1:M ...
        r"([A-Za-z][\w.-]{0,63})(?: - |: ?)",
        (Fact("envelope", value="label"), Fact("label", 0)),
        strong=False,
    ),
    Envelope(
        "label",  # Sentinel_2_log 1:X ... / an editor's or grep -n's line number: 4533 [1] ...
        r"([\w.:/@-]{1,64}?)(?::| +)(?=[\[\d<*?A-Za-z])",
        (Fact("envelope", value="label"), Fact("label", 0)),
        strong=False,
    ),
)

#: How deep envelopes nest (kubectl --prefix --timestamps is two).
MAX_DEPTH = 3


class Unwrapper:
    """Takes envelopes off lines; remembers the chain that worked last and tries it
    first (a file has one envelope: after its first line this is one regex)."""

    def __init__(self, envelopes: Sequence[Envelope] = REGEX_ENVELOPES) -> None:
        self._envelopes = list(envelopes)
        #: The chain of the last line that had one (read by the fast path).
        self.last_chain: tuple[Envelope, ...] = ()
        #: The last line that had an envelope had a JSON one (docker json-file,
        #: journald JSON): try that first on a line that starts with ``{``.
        self.last_json = False
        #: which: ``docker-json`` (the fast path has a route for it) or ``journald-json``
        self.last_json_kind: str | None = None
        self._chain_regex: dict[tuple[Envelope, ...], re.Pattern[str]] = {}

    def unwrap(self, line: str, has_header: Callable[[str], bool]) -> Unwrapped | None:
        """The envelope(s) of ``line``, or None when it has none.

        ``has_header(text)`` says whether text is a Redis line: it ends the peeling
        (a Redis message that happens to look like an envelope stays the message),
        and a chain that reaches a Redis line beats one that does not (``TS host
        redis[1]: ...`` is journald, not ``docker -t`` around garbage).
        """
        text = line.lstrip()
        if text[:1] == "{":
            found_json = _unwrap_json(text)
            self.last_json = found_json is not None
            self.last_json_kind = found_json.facts["envelope"] if found_json else None
            if found_json is not None:
                self.last_chain = ()  # a JSON envelope has no regex chain
            return found_json
        self.last_json = False
        self.last_json_kind = None
        first: Unwrapped | None = None
        envelopes = self._envelopes
        for i, env in enumerate(envelopes):
            m = env.regex.match(text)
            if m is None:
                continue
            found = self._peel(env, m, text, has_header)
            if found.partial or has_header(found.inner.strip()):
                if i and env.strong:  # the file's envelope: try it first from now on
                    # (a label stays behind the real envelopes: ``[pod/a/b]`` is kubectl)
                    self._envelopes = [env, *(e for e in envelopes if e is not env)]
                self.last_chain = found.chain
                return found
            if first is None or len(found.inner) < len(first.inner):
                first = found  # none reaches a Redis line: the one that explains most
        if first is not None:
            self.last_chain = first.chain
        return first

    def unwrap_json(self, line: str) -> Unwrapped | None:
        """``line`` as the file's JSON envelope, when that is what the last wrapped
        line had and the line starts with ``{`` (no header dialect is tried first)."""
        if not self.last_json or line[:1] != "{":
            return None
        return _unwrap_json(line)

    def unwrap_last(self, line: str) -> Unwrapped | None:
        """``line`` read with the chain that worked last, if it starts with it and that
        chain begins with a real envelope (not a label, which a bare ``[pid]`` header
        looks like): one regex for the lines of a wrapped file."""
        chain = self.last_chain
        if not chain[0].strong or (len(chain) > 1 and chain[0].partial_group is not None):
            return None
        regex = self._chain_regex.get(chain)
        if regex is None:
            if len(self._chain_regex) >= 64:
                self._chain_regex.clear()
            regex = self._chain_regex[chain] = re.compile(
                "".join(env.pattern for env in chain), re.ASCII
            )
        m = regex.match(line)
        if m is None:
            return None
        groups = m.groups()
        facts: dict[str, Any] = {}
        when: EnvTime | None = None
        partial = False
        stream = ""
        offset = 0
        for env in chain:
            mine = groups[offset : offset + env.groups]
            offset += env.groups
            for key, value in env.fact_dict(mine).items():
                facts.setdefault(key, value)
            when = when or env.time(mine)
            if env.partial_group is not None:
                partial = mine[env.partial_group] == "P"
                stream = mine[1] or ""
        inner = line[m.end() :]
        strong = True
        return Unwrapped(inner, facts, chain, when, strong, partial, stream, inner)

    def _peel(
        self, env: Envelope, m: re.Match[str], text: str, has_header: Callable[[str], bool]
    ) -> Unwrapped:
        """Take ``env`` (matched as ``m``) off, then any envelopes inside it."""
        chain: list[Envelope] = []
        facts: dict[str, Any] = {}
        when: EnvTime | None = None
        partial = False
        stream = ""
        outer_inner = ""
        for _ in range(MAX_DEPTH):
            groups = m.groups()
            chain.append(env)
            for key, value in env.fact_dict(groups).items():
                facts.setdefault(key, value)
            when = when or env.time(groups)
            if env.partial_group is not None:
                partial = groups[env.partial_group] == "P"
                stream = groups[1] or ""
            text = text[m.end() :]
            if not chain[1:]:
                outer_inner = text
            if partial or has_header(text.strip()):
                break
            nxt, m2 = self._match(text, chain)
            if nxt is None or m2 is None:
                break
            if not nxt.strong and not has_header(text[m2.end() :].strip()):
                break  # a label is only a label in front of a Redis line
            env, m = nxt, m2
        found = tuple(chain)
        strong = any(e.strong for e in found)
        return Unwrapped(text, facts, found, when, strong, partial, stream, outer_inner)

    def _match(
        self, text: str, used: list[Envelope]
    ) -> tuple[Envelope | None, re.Match[str] | None]:
        for env in self._envelopes:
            if env in used:
                continue
            m = env.regex.match(text)
            if m is not None:
                return env, m
        return None, None


def chain_pattern(chain: Sequence[Envelope]) -> str:
    """The regex fragments of a chain, outermost first, for the hot loop."""
    return "".join(env.fast_pattern or env.pattern for env in chain)


def chain_members(chain: Sequence[Envelope]) -> Callable[..., str]:
    """A function of a chain match's groups (``f(*groups)``, the envelopes' first; more
    may follow and are ignored) to the JSON members of its
    facts, text-equal to ``events.encode_fields_inner(facts)`` (tests check it).

    The groups' characters need no JSON escaping (see the value fragments), so
    the text is glued from constants and the groups, without ``json.dumps``.
    """
    pieces: list[tuple[str, int | None, bool]] = []  # (text before, group, as_int)
    seen: set[str] = set()
    offset = 0
    when: int | None = None  # the group of the envelope_ts kept
    for env in chain:
        for fact in env.facts:
            if fact.key in seen:
                continue
            seen.add(fact.key)
            if fact.group is None:
                pieces.append((f'"{fact.key}":{json.dumps(fact.value)}', None, False))
            else:
                pieces.append((f'"{fact.key}":', offset + fact.group, fact.as_int))
                if fact.key == "envelope_ts":
                    when = offset + fact.group
        offset += env.groups
    if all(env.plain for env in chain):  # no group can be absent: one str.format
        template = ",".join(text + ("" if i is None else f'"{{{i}}}"') for text, i, _ in pieces)
        used = [i for _, i, _ in pieces if i is not None]
        if len(used) == 1:  # one group (docker -t's time): two concatenations are faster
            at = used[0]
            head, tail = template.split(f"{{{at}}}")

            def one(*groups: str | None) -> str:
                return head + groups[at] + tail  # type: ignore[operator]

            return one
        return template.format
    return _cached_members(pieces, when)


#: Distinct (host, ident, pid ...) of one chain whose members text is kept.
_MEMBERS_CACHE_MAX = 1024


def _cached_members(
    pieces: Sequence[tuple[str, int | None, bool]], when: int | None
) -> Callable[..., str]:
    """:func:`chain_members` for a chain whose groups may be absent (syslog's pid,
    RFC 5424's ``-``): the text is built once per value of the groups other than the
    time (a file has one host, ident and pid for thousands of lines) and the time,
    different on every line, is put between the cached head and tail."""

    def build(groups: Sequence[str | None]) -> str:
        out = []
        for text, index, as_int in pieces:
            if index is None:
                out.append(text)
                continue
            value = groups[index]
            if value is None or value == "" or value == "-":
                continue
            if as_int and value.isdigit():
                out.append(text + str(int(value)))
            else:
                out.append(text + '"' + value + '"')
        return ",".join(out)

    stable = tuple(i for _, i, _ in pieces if i is not None and i != when)
    key_of: Callable[[Sequence[str | None]], object] = (
        operator.itemgetter(*stable) if stable else (lambda _groups: ())
    )
    if when is None:
        texts: dict[object, str] = {}

        def constant(*groups: str | None) -> str:
            key = key_of(groups)
            text = texts.get(key)
            if text is None:
                if len(texts) >= _MEMBERS_CACHE_MAX:
                    texts.clear()
                text = texts[key] = build(groups)
            return text

        return constant

    at = when
    marker = "\x00"  # stands for the time while the text is built: no group holds it
    halves: dict[object, tuple[str, str]] = {}

    def members(*groups: str | None) -> str:
        stamp = groups[at]
        if stamp is None or stamp == "" or stamp == "-":
            return build(groups)
        key = key_of(groups)
        pair = halves.get(key)
        if pair is None:
            if len(halves) >= _MEMBERS_CACHE_MAX:
                halves.clear()
            head, tail = build((*groups[:at], marker, *groups[at + 1 :])).split(marker)
            pair = halves[key] = (head, tail)
        return pair[0] + stamp + pair[1]

    return members


# ------------------------------------------------------------ facts of a file's path

# The kubelet's own layout: /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log
# (rotated: 0.log.20261202-101500, .gz), and its symlinks in /var/log/containers:
# <pod>_<namespace>_<container>-<container id>.log.
_PODS = re.compile(
    r"(?:^|/)pods/([a-z0-9][a-z0-9.-]{0,252})_([a-z0-9][a-z0-9.-]{0,252})_[0-9a-f-]{8,64}"
    r"/([a-z0-9][a-z0-9-]{0,62})/\d+\.log(?:\.[\w.-]+)?$"
)
_CONTAINERS = re.compile(
    r"(?:^|/)containers/([a-z0-9][a-z0-9.-]{0,252})_([a-z0-9][a-z0-9.-]{0,252})"
    r"_([a-z0-9][a-z0-9-]{0,62})-[0-9a-f]{64}\.log$"
)


@functools.lru_cache(maxsize=1024)
def path_facts(path: str) -> dict[str, str]:
    """The namespace, pod and container a kubelet log file's path names (``{}`` for
    any other path): a CRI line itself says only its stream and time."""
    m = _PODS.search(path)
    if m:
        return {"namespace": m[1], "pod": m[2], "container": m[3]}
    m = _CONTAINERS.search(path)
    if m:
        return {"namespace": m[2], "pod": m[1], "container": m[3]}
    return {}


# ------------------------------------------------------------ JSON envelopes

#: Docker's json-file line around a Redis line, for the hot loop: the ``log`` string's
#: head and tail, the stream and the time (Docker writes the keys in this order).
#: The Redis line's message is group ``(…)`` between them, JSON-escaped.
DOCKER_JSON_HEAD = r'\{"log":"'
DOCKER_JSON_MESSAGE = r'([^"\\]*(?:\\.[^"\\]*)*)'  # the unrolled loop: 2.4x the lazy one
DOCKER_JSON_TAIL = r'\\n","stream":"(stdout|stderr)","time":"(' + _ISO_BODY + r')"\}'


def _unwrap_json(text: str) -> Unwrapped | None:
    """Docker json-file (``log``/``stream``/``time``) or ``journalctl -o json``."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("log"), str):
        return _docker_json(obj)
    if "MESSAGE" in obj:
        return _journald_json(obj)
    return None


def _docker_json(obj: dict[str, Any]) -> Unwrapped:
    inner = obj["log"]
    if inner.endswith("\n"):
        inner = inner[:-1]
    if inner.endswith("\r"):
        inner = inner[:-1]
    facts: dict[str, Any] = {"envelope": "docker-json"}
    stream = obj.get("stream")
    if isinstance(stream, str):
        facts["stream"] = stream
    stamp = obj.get("time")
    when = None
    if isinstance(stamp, str):
        facts["envelope_ts"] = stamp
        when = iso_time(stamp)
    return Unwrapped(inner, facts, (), when)


def _journald_json(obj: dict[str, Any]) -> Unwrapped:
    raw = obj.get("MESSAGE")
    if isinstance(raw, list):  # journald writes non-UTF-8 messages as a byte array
        try:
            inner = bytes(b for b in raw if isinstance(b, int) and 0 <= b < 256).decode(
                "utf-8", "replace"
            )
        except (TypeError, ValueError):
            inner = ""
    elif isinstance(raw, str):
        inner = raw
    else:
        inner = "" if raw is None else str(raw)
    inner = inner.rstrip("\r\n")
    facts = journald_facts(obj)
    when = None
    stamp = journald_stamp(obj.get("__REALTIME_TIMESTAMP"))
    if stamp is not None:
        facts["envelope_ts"] = stamp
        when = iso_time(stamp)
    return Unwrapped(inner, facts, (), when)


#: The journald fields kept as facts, and their names in the contract.
_JOURNALD_KEYS = (("_HOSTNAME", "host"), ("_SYSTEMD_UNIT", "unit"), ("SYSLOG_IDENTIFIER", "ident"))


def journald_facts(obj: dict[str, Any]) -> dict[str, Any]:
    """The facts of a ``journalctl -o json`` object but its time (which
    :func:`journald_stamp` gives): what the hot loop caches per host and unit."""
    facts: dict[str, Any] = {"envelope": "journald-json"}
    for key, name in _JOURNALD_KEYS:
        value = obj.get(key)
        if isinstance(value, str):
            facts[name] = value
    pid = obj.get("_PID", obj.get("SYSLOG_PID"))
    if isinstance(pid, str) and pid.isascii() and pid.isdigit() and len(pid) <= 10:
        facts["pid"] = int(pid)
    return facts


@functools.lru_cache(maxsize=1024)
def _utc_second(seconds: int) -> str | None:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return None


def journald_stamp(micros: object) -> str | None:
    """``__REALTIME_TIMESTAMP`` (microseconds since the epoch, as text) as an
    RFC 3339 UTC time with microseconds; None when it is not one. Integer
    arithmetic, so no float rounding, and one ``strftime`` per second (cached)."""
    if not isinstance(micros, str) or not (micros.isascii() and micros.isdigit()):
        return None
    if len(micros) > 17:
        return None
    seconds, fraction = divmod(int(micros), 1_000_000)
    second = _utc_second(seconds)
    return None if second is None else f"{second}.{fraction:06d}Z"
