"""Every kind of event replwatch ships, by name, and the groups that code tests for.

The names are the contract's (docs/events.md, "Kinds"); the grammar files in
``grammars/`` produce the log kinds, the poller the poll kinds. Code compares an
event's kind with these constants, never with a string literal, so a renamed or
misspelt kind is an import error rather than a silently dead branch
(tests/test_kinds.py checks this module against the grammars and the contract).

A user's own grammar rules may add kinds at run time: those are not listed here and
need not be; nothing in replwatch's own logic depends on them.
"""

from __future__ import annotations

# ruff: noqa: E501

# -- The server's life (grammars/10-server.grammar)
SERVER_STARTING = "server_starting"
SERVER_READY = "server_ready"
SERVER_SHUTDOWN = "server_shutdown"
SERVER_EXIT = "server_exit"
DB_LOADED = "db_loaded"
AOF_LOADED = "aof_loaded"
CONFIG_LOADED = "config_loaded"
SERVER_INITIALIZED = "server_initialized"
SERVER_MODE = "server_mode"
STARTUP_WARNING = "startup_warning"
SHUTDOWN_STEP = "shutdown_step"
SHUTDOWN_REPLICAS_SYNCED = "shutdown_replicas_synced"
SHUTDOWN_FAILED = "shutdown_failed"
SHUTDOWN_ABORTED = "shutdown_aborted"
CHILD_EXIT = "child_exit"
SERVER_FATAL = "server_fatal"
SERVER_INFO = "server_info"
CLIENT_ACCEPTED = "client_accepted"
CLIENT_CLOSED = "client_closed"
DB_KEYS = "db_keys"
CLIENT_ACCEPT_FAILED = "client_accept_failed"
MODULE_LOADED = "module_loaded"
MODULE_LOAD_FAILED = "module_load_failed"

# -- Replica side: the replica's link to its master (grammars/20-replica.grammar)
REPLICAOF_ENABLED = "replicaof_enabled"
REPLICAOF_NOOP = "replicaof_noop"
MASTER_MODE_ENABLED = "master_mode_enabled"
MASTER_CONNECTING = "master_connecting"
SYNC_STARTED = "sync_started"
MASTER_CONNECTED = "master_connected"
MASTER_PING_OK = "master_ping_ok"
MASTER_AUTH_FAILED = "master_auth_failed"
PSYNC_ATTEMPT = "psync_attempt"
PSYNC_IMPOSSIBLE = "psync_impossible"
PSYNC_SUCCEEDED = "psync_succeeded"
FULL_RESYNC_STARTED = "full_resync_started"
RDB_RECEIVING = "rdb_receiving"
FLUSHING_OLD_DATA = "flushing_old_data"
LOADING_DB = "loading_db"
SYNC_FINISHED = "sync_finished"
MASTER_LINK_ERROR = "master_link_error"
MASTER_TIMEOUT = "master_timeout"
MASTER_LINK_LOST = "master_link_lost"
MASTER_CACHED = "master_cached"
MASTER_CACHE_DISCARDED = "master_cache_discarded"
MASTER_REPLID_CHANGED = "master_replid_changed"
SECONDARY_REPLID_SET = "secondary_replid_set"
CACHED_MASTER_SYNTHESIZED = "cached_master_synthesized"
SYNC_FALLBACK = "sync_fallback"
REPLICA_HANDSHAKE = "replica_handshake"
SYNC_FAILED = "sync_failed"
SYNC_DISCARDING_TEMP_DB = "sync_discarding_temp_db"
SYNC_SWAPPING_DB = "sync_swapping_db"
AOF_ENABLED_AFTER_SYNC = "aof_enabled_after_sync"
AOF_ERROR = "aof_error"
AOF_LOAD_FAILED = "aof_load_failed"
AOF_INFO = "aof_info"
RDB_REMOVED = "rdb_removed"
CHILD_KILLED = "child_killed"
REPLICA_WRITE_ERROR = "replica_write_error"
DUAL_CHANNEL_STARTED = "dual_channel_started"
DUAL_CHANNEL_ABORTED = "dual_channel_aborted"
DUAL_CHANNEL_PROGRESS = "dual_channel_progress"

# -- Master side: serving replicas (grammars/30-master.grammar)
REPLICA_SYNC_REQUEST = "replica_sync_request"
FULL_RESYNC_REQUESTED = "full_resync_requested"
PSYNC_ACCEPTED = "psync_accepted"
PSYNC_REJECTED = "psync_rejected"
BACKLOG_CREATED = "backlog_created"
BGSAVE_FOR_SYNC = "bgsave_for_sync"
BGSAVE_DELAYED = "bgsave_delayed"
BGSAVE_STARTED = "bgsave_started"
RDB_SAVED = "rdb_saved"
COW_REPORT = "cow_report"
BGSAVE_DONE = "bgsave_done"
BGSAVE_FAILED = "bgsave_failed"
REPLICA_SYNC_SUCCEEDED = "replica_sync_succeeded"
REPLICA_RDB_RECEIVED = "replica_rdb_received"
REPLICA_LINK_LOST = "replica_link_lost"
REPLICA_OUTPUT_BUFFER_OVERFLOW = "replica_output_buffer_overflow"
REPLICA_TIMEOUT = "replica_timeout"
BGSAVE_WAITING = "bgsave_waiting"
REPLICA_SYNC_FAILED = "replica_sync_failed"
DISKLESS_TRANSFER_DONE = "diskless_transfer_done"
DISKLESS_TRANSFER_ABORTED = "diskless_transfer_aborted"
DISKLESS_LOAD_SKIPPED = "diskless_load_skipped"
RDB_ONLY_REPLICA_DONE = "rdb_only_replica_done"
PSYNC_DEBUG = "psync_debug"
BACKLOG_FREED = "backlog_freed"
BACKLOG_DUMP = "backlog_dump"
REPLID_RESET = "replid_reset"
LAGGING_REPLICA = "lagging_replica"
REPLICATION_ERROR_REPLY = "replication_error_reply"
CLIENTS_SUMMARY = "clients_summary"
FAILOVER_STATE = "failover_state"

# -- Persistence: BGSAVE, AOF, RDB (grammars/40-persistence.grammar)
SAVE_TRIGGERED = "save_triggered"
RDB_LOADING = "rdb_loading"
RDB_INFO = "rdb_info"
RDB_LOADED = "rdb_loaded"
DB_RELOADED = "db_reloaded"
RDB_SAVE_FAILED = "rdb_save_failed"
BGSAVE_SCHEDULED = "bgsave_scheduled"
BGSAVE_CANCELLED = "bgsave_cancelled"
RDB_LOAD_FAILED = "rdb_load_failed"
AOF_REWRITE_STARTED = "aof_rewrite_started"
AOF_REWRITE_SCHEDULED = "aof_rewrite_scheduled"
AOF_REWRITE_DONE = "aof_rewrite_done"
AOF_REWRITE_FAILED = "aof_rewrite_failed"
AOF_REWRITE_PROGRESS = "aof_rewrite_progress"
FORK_FAILED = "fork_failed"
CHILD_ERROR = "child_error"

# -- Sentinel (grammars/50-sentinel.grammar)
SENTINEL_EVENT = "sentinel_event"
SENTINEL_VOTE = "sentinel_vote"
SENTINEL_FAILOVER_REQUESTED = "sentinel_failover_requested"
SENTINEL_INFO = "sentinel_info"
SENTINEL_ERROR = "sentinel_error"
CONFIG_REWRITTEN = "config_rewritten"
CONFIG_REWRITE_FAILED = "config_rewrite_failed"

# -- Cluster (grammars/60-cluster.grammar)
CLUSTER_FAILOVER_AUTH_DENIED = "cluster_failover_auth_denied"
CLUSTER_FAILOVER_AUTH_GRANTED = "cluster_failover_auth_granted"
CLUSTER_FAILOVER_ELECTION = "cluster_failover_election"
CLUSTER_FAILOVER_WON = "cluster_failover_won"
CLUSTER_FAILOVER_UNABLE = "cluster_failover_unable"
CLUSTER_FAILOVER_MANUAL = "cluster_failover_manual"
CLUSTER_FAILOVER_DETECTED = "cluster_failover_detected"
CLUSTER_REPLICA_RECONFIGURED = "cluster_replica_reconfigured"
CLUSTER_CONFIG = "cluster_config"
CLUSTER_STATE_CHANGED = "cluster_state_changed"
CLUSTER_NODE_PFAIL = "cluster_node_pfail"
CLUSTER_NODE_FAIL = "cluster_node_fail"
CLUSTER_NODE_FAIL_CLEARED = "cluster_node_fail_cleared"
CLUSTER_CONFIG_EPOCH = "cluster_config_epoch"
CLUSTER_PROMOTED = "cluster_promoted"
CLUSTER_FAIL_REASON = "cluster_fail_reason"
CLUSTER_LINK = "cluster_link"
CLUSTER_NODE_REMOVED = "cluster_node_removed"
CLUSTER_ADMIN_REQUEST = "cluster_admin_request"
SLOT_MIGRATION_STARTED = "slot_migration_started"
SLOT_MIGRATION_PROGRESS = "slot_migration_progress"
SLOT_MIGRATION_DONE = "slot_migration_done"
SLOT_MIGRATION_FAILED = "slot_migration_failed"
SLOT_TRIM = "slot_trim"

# -- Crash reports (grammars/70-crash.grammar)
CRASH_REPORT = "crash_report"
CRASH = "crash"

# -- The line parser's own verdicts
UNRECOGNIZED = "unrecognized"  # a log line whose message no rule knows
MALFORMED = "malformed"  # not a log line: banner art, garbage, a torn line

# -- The INFO poller (topology/diff.py)
NODE_UP = "node_up"
NODE_DOWN = "node_down"
AUTH_REQUIRED = "auth_required"
ROLE_CHANGED = "role_changed"
LINK_UP = "link_up"
LINK_DOWN = "link_down"
SYNC_PROGRESS = "sync_progress"
REPLID_CHANGED = "replid_changed"
LAG_EXCEEDED = "lag_exceeded"


# ----------------------------------------------------------------------- groups
# What the timeline, the report and the dashboard ask of an event. Each group is
# defined here once; the modules that used to keep their own copy import it.

#: Lines replwatch could not read: counted, shown dim, never called healthy.
UNREAD = frozenset({UNRECOGNIZED, MALFORMED})

#: Replica side: the transfer is really under way.
REPLICA_SIDE_SYNCING = frozenset(
    {PSYNC_ATTEMPT, PSYNC_IMPOSSIBLE, FULL_RESYNC_STARTED, RDB_RECEIVING, FLUSHING_OLD_DATA, LOADING_DB}
)
#: Replica side: the link to the master is up again (full sync loaded, or PSYNC accepted).
REPLICA_SIDE_RESTORED = frozenset({SYNC_FINISHED, PSYNC_SUCCEEDED})
#: Replica side: the link to the master ended, or an attempt to make it failed.
REPLICA_SIDE_LOST = frozenset(
    {MASTER_LINK_LOST, MASTER_TIMEOUT, MASTER_LINK_ERROR, MASTER_AUTH_FAILED, SYNC_FAILED}
)
#: Master side: a replica asked for a sync.
MASTER_SIDE_SYNCING = frozenset({REPLICA_SYNC_REQUEST, FULL_RESYNC_REQUESTED})
#: Master side: a replica is served again (full sync done, or PSYNC accepted).
MASTER_SIDE_RESTORED = frozenset({REPLICA_SYNC_SUCCEEDED, PSYNC_ACCEPTED})
#: Master side: the master dropped a replica or lost it.
MASTER_SIDE_LOST = frozenset({REPLICA_LINK_LOST, REPLICA_TIMEOUT, REPLICA_OUTPUT_BUFFER_OVERFLOW})
#: The node stopped or started again. Not ``server_shutdown``: the signal handler's
#: ``Received SIGTERM`` line carries whole-second time and may be written late.
NODE_GONE = frozenset({SERVER_EXIT, SERVER_STARTING})

#: The poller's kinds (``source`` is ``host:port``, ``line`` is null).
POLL = frozenset(
    {NODE_UP, NODE_DOWN, AUTH_REQUIRED, ROLE_CHANGED, LINK_UP, LINK_DOWN, SYNC_PROGRESS,
     REPLID_CHANGED, LAG_EXCEEDED}
)  # fmt: skip
#: The poller's kinds that say something is wrong.
POLL_PROBLEMS = frozenset({NODE_DOWN, AUTH_REQUIRED, LINK_DOWN, LAG_EXCEEDED, ROLE_CHANGED})


def all_kinds() -> frozenset[str]:
    """Every kind this module names (the constants, not the groups)."""
    return frozenset(
        value
        for name, value in globals().items()
        if name.isupper() and isinstance(value, str) and not name.startswith("_")
    )
