"""The `iocgate` group; each subcommand lives in its own module and is imported on use."""

from __future__ import annotations

import importlib
import importlib.util

import click

from iocgate import __version__

# name -> "module:attribute"; importing lazily keeps `iocgate --help` and `validate` fast
# (the MCP SDK alone costs ~1 s to import, performance.md).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("iocgate.cli.serve:serve", "Run the gateway: REST on 8080, MCP on 9090."),
    "stdio": ("iocgate.cli.stdio:stdio", "Serve the MCP tools over stdio (desktop clients)."),
    "call": ("iocgate.cli.call:call", "Invoke one operation or tool and print its answer."),
    "investigate": ("iocgate.cli.investigate:investigate", "Investigate a file hash in one step."),
    "quota": ("iocgate.cli.quota:quota", "Show the quota budget and what is left of it."),
    "mock": ("iocgate.cli.mock:mock", "Mock OpenAPI files offline from their examples (Microcks)."),
    "sim": ("iocgate.cli.sim:sim", "Run the VirusTotal simulator (tests and demo mode)."),
    "validate": (
        "iocgate.cli.validate:validate",
        "Check capability files; errors name file, line, field.",
    ),
    "migrate": (
        "iocgate.cli.migrate:migrate",
        "Rewrite a naftiko alpha1/alpha2 file as ikanos 1.0.0-beta5.",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in SUBCOMMANDS if _is_available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None or not _is_available(cmd_name):
            return None
        module_name, attribute = target[0].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _is_available(name: str) -> bool:
    module_name = SUBCOMMANDS[name][0].split(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="iocgate")
def main() -> None:
    """iocgate: investigate a file's sandbox behaviour through VirusTotal, for people and agents.

    Runs a Naftiko capability (by default the embedded VirusTotal file-behaviours one) as a
    REST API and an MCP server. Without VIRUSTOTAL_API_KEY it runs in demo mode against a
    built-in VirusTotal simulator.

    \b
    Quick start:
      iocgate serve                      # REST :8080, MCP :9090/mcp (demo without a key)
      iocgate call get-summary-all-behavior-reports id=<sha256>
      iocgate sim --list                 # hashes to try in demo mode
    """
