"""Follow log files as they grow: one follower per file, many at once, rotation and watchers."""
