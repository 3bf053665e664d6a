"""``replwatch export``: the poller's snapshots and the logs' events as Prometheus metrics.

* :mod:`~replwatch.export.counters`: the counts kept between scrapes (pure, bounded);
* :mod:`~replwatch.export.collector`: renders the latest snapshot and the counts at
  scrape time (prometheus-client's custom-collector protocol);
* :mod:`~replwatch.export.workers`: the poll loop and the log tailer, each in its own
  thread, so a scrape never waits on a node;
* :mod:`~replwatch.export.http`: the tiny HTTP server (``/metrics``, ``/``, ``/-/healthy``).
"""
