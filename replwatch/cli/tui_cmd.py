"""``replwatch tui``, ``replwatch demo`` and ``replwatch replay``: the live dashboard.

Thin click commands: each builds its data source (the poller and tailer, a lab,
or a recording) and runs the Textual app from :mod:`replwatch.tui`, which is only
imported here, when one of these commands runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from replwatch.cli.errors import ExitCode, fail


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--speed", type=float, default=1.0, show_default=True, help="Playback speed.")
@click.option("--paused", is_flag=True, help="Start paused (space plays, n steps).")
def replay(file: Path, *, speed: float, paused: bool) -> None:
    """Play back a recording made with `replwatch tui --record FILE`, no server needed.

    Keys: space play/pause, n next poll, + / - speed, g jump to a time, q quit.
    """
    from replwatch.recording import RecordingError, load_recording

    if speed <= 0:
        fail("--speed must be above 0", ExitCode.USAGE)
    try:
        recording = load_recording(file)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except RecordingError as exc:
        fail(f"{file}: {exc}")
    from replwatch.tui.replay import ReplayApp

    ReplayApp(recording, speed=speed, paused=paused).run()
