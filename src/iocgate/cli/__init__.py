"""The `iocgate` command line: a click group whose subcommands load lazily (fast --help)."""

from iocgate.cli.main import main

__all__ = ["main"]
