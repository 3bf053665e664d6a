"""The replication topology as immutable snapshots, and what changed between two."""
