"""The simulator's public surface and its independence from the rest of iocgate."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

from click.testing import CliRunner

import iocgate.sim
from iocgate.cli.sim import ByteSize, sim
from iocgate.sim import DEMO_PRIVILEGED_KEY, DEMO_PUBLIC_KEY

SIM_DIR = Path(iocgate.sim.__file__).parent


def test_exported_names_are_sorted_documented_and_exist() -> None:
    names = iocgate.sim.__all__
    # isort-style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    expected = {
        "Corpus", "DEMO_PRIVILEGED_KEY", "DEMO_PUBLIC_KEY", "Faults", "RecordedRequest",
        "SimSettings", "SimState", "build_corpus", "create_app",
    }  # fmt: skip
    assert expected <= set(names)
    for name in names:
        value = getattr(iocgate.sim, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name


def test_simulator_imports_nothing_from_iocgate_outside_sim() -> None:
    for path in SIM_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), f"{path.name} needs a module docstring"
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            for module in modules:
                if module.startswith("iocgate"):
                    assert module.startswith("iocgate.sim"), f"{path.name} imports {module}"
                assert module.split(".")[0] != "uvicorn", f"{path.name} imports uvicorn"


def test_sim_list_json_prints_only_json_with_files_and_key_tiers() -> None:
    result = CliRunner().invoke(sim, ["--list", "--json", "--seed", "3"])
    assert result.exit_code == 0
    listing = json.loads(result.stdout)
    assert listing["seed"] == 3
    tiers = {row["key"]: row["tier"] for row in listing["keys"]}
    assert tiers == {DEMO_PUBLIC_KEY: "public", DEMO_PRIVILEGED_KEY: "privileged"}
    kinds = {entry["kind"] for entry in listing["files"]}
    assert {"rich", "poor", "none", "huge", "hostile"} <= kinds
    rich = next(entry for entry in listing["files"] if entry["kind"] == "rich")
    assert rich["reports"][0]["artefacts"] == ["pcap", "evtx", "memdump", "html"]


def test_sim_list_adds_the_keys_given_on_the_command_line() -> None:
    result = CliRunner().invoke(
        sim, ["--list", "--json", "--key", "k" * 64, "--privileged-key", "p" * 64]
    )
    rows = json.loads(result.stdout)["keys"]
    assert {"key": "k" * 64, "tier": "public", "quota": "4/min, 500/day"} in rows
    assert any(row["key"] == "p" * 64 and row["tier"] == "privileged" for row in rows)


def test_sim_list_without_json_is_a_readable_table() -> None:
    result = CliRunner().invoke(sim, ["--list"])
    assert result.exit_code == 0
    assert "Keys:" in result.stdout
    assert "VirusTotal Jujubox" in result.stdout
    assert "(no behaviour reports)" in result.stdout
    assert not result.stdout.lstrip().startswith("{")


def test_sim_help_shows_examples_and_every_option() -> None:
    result = CliRunner().invoke(sim, ["--help"])
    assert result.exit_code == 0
    for option in (
        "--host", "--port", "--seed", "--key", "--privileged-key", "--memdump-size",
        "--redirect-artefacts", "--latency-ms", "--error-rate", "--list", "--json",
    ):  # fmt: skip
        assert option in result.stdout
    assert "Examples:" in result.stdout


def test_memdump_size_accepts_bytes_and_binary_units() -> None:
    size = ByteSize()
    assert size.convert("8388608", None, None) == 8 * 1024 * 1024
    assert size.convert("512k", None, None) == 512 * 1024
    assert size.convert("1G", None, None) == 1024**3
    assert size.convert("2GiB", None, None) == 2 * 1024**3
    result = CliRunner().invoke(sim, ["--memdump-size", "lots", "--list"])
    assert result.exit_code == 2
    assert "not a size" in result.output
