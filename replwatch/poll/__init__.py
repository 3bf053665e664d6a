"""The poll stage: ask each node INFO replication / ROLE, parse the replies, run the rounds."""
