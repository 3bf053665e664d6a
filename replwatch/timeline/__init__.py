"""Events on one clock: the merge order, link states over time, sync sessions, the log/poll join."""
