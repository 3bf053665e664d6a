"""The log stage: read files, detect envelopes and header dialects, parse lines into events."""
