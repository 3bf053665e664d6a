"""The ``replwatch`` command line: a thin layer over the library.

Each subcommand lives in its own module and is imported only when it is run, so
``replwatch parse`` never pays for importing Textual or redis-py.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from replwatch import __version__
from replwatch.cli.errors import WRITE_ERRORS, ExitCode, Group

#: subcommand name -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "lab": "replwatch.cli.lab_cmd:lab",
    "parse": "replwatch.cli.parse_cmd:parse",
    "tail": "replwatch.cli.tail_cmd:tail",
    "status": "replwatch.cli.status_cmd:status",
    "tui": "replwatch.cli.tui_cmd:tui",
    "demo": "replwatch.cli.tui_cmd:demo",
    "replay": "replwatch.cli.tui_cmd:replay",
    "report": "replwatch.cli.report_cmd:report",
    "export": "replwatch.cli.export_cmd:export",
}


class LazyGroup(Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # A subcommand whose module is not written yet is simply not offered.
            if exc.name == module_name:
                return None
            raise
        return getattr(module, attr, None)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="replwatch")
def cli() -> None:
    """Watch Redis and Valkey replication: parse logs, follow them live, poll INFO."""


def main(args: list[str] | None = None) -> None:
    """Console-script entry point: exit codes from :class:`ExitCode`, quiet Ctrl-C.

    click's standalone mode turns Ctrl-C into "Aborted!" and exit 1; replwatch exits
    130 with nothing printed, like the shell tools it sits beside. An output that
    cannot be written (a full disk, a closed stdout) is one error line and exit 1.
    """
    if sys.stdout is None:  # started with stdout closed (`replwatch … >&-`)
        _error("standard output is closed; redirect it to a file or /dev/null")
        sys.exit(ExitCode.FAILURE)
    try:
        code = cli.main(args=args, standalone_mode=False)
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS:
            raise
        _error(f"cannot write the output: {exc.strerror or exc}")
        _silence_stdout()
        sys.exit(ExitCode.FAILURE)
    except (KeyboardInterrupt, click.exceptions.Abort):
        sys.exit(ExitCode.INTERRUPTED)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else ExitCode.OK)


def _error(text: str) -> None:
    stream = sys.stderr
    if stream is not None:
        try:
            stream.write(f"replwatch: error: {text}\n")
            stream.flush()
        except OSError:
            pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's exit flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
