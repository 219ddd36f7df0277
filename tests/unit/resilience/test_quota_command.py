"""`iocgate quota`: the policy, used and remaining per window, read from the shared store."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
from click.testing import CliRunner

from iocgate.cli.main import main
from iocgate.engine.quota import BudgetQuota, parse_budget
from iocgate.engine.stores.sqlite import SqliteBudgetStore, SqliteDatabase
from iocgate.virustotal.plugin import QUOTA_PRESETS


def spend(state_dir: Path, spec: str, units: int) -> None:
    async def take() -> None:
        quota = BudgetQuota(
            parse_budget(spec, presets=QUOTA_PRESETS),
            SqliteBudgetStore(SqliteDatabase.in_directory(state_dir)),
        )
        for _ in range(units):
            await quota.acquire()
        await quota.aclose()

    anyio.run(take)


def run(state_dir: Path, *args: str) -> tuple[int, str]:
    env = {"IOCGATE_STATE_DIR": str(state_dir), "VIRUSTOTAL_API_KEY": "k" * 64}
    result = CliRunner().invoke(main, ["quota", *args], env=env)
    return result.exit_code, result.output


def test_json_report_shows_what_other_processes_spent(tmp_path: Path) -> None:
    spend(tmp_path, "public", 3)
    code, output = run(tmp_path, "--json")
    assert code == 0
    report = json.loads(output)
    assert report["policy"] == "public"
    assert report["store"] == str(tmp_path / "iocgate.sqlite3")
    by_window = {w["window"]: w for w in report["windows"]}
    assert (by_window["minute"]["used"], by_window["minute"]["remaining"]) == (3, 1)
    assert (by_window["day"]["limit"], by_window["day"]["remaining"]) == (500, 497)


def test_text_report_says_when_the_next_call_is_possible(tmp_path: Path) -> None:
    spend(tmp_path, "2/min", 2)
    code, output = run(tmp_path, "--quota", "2/min")
    assert code == 0
    assert "policy:  2/min" in output
    minute = next(line for line in output.splitlines() if line.startswith("minute"))
    assert minute.split()[:4] == ["minute", "2", "2", "0"]
    assert "in 6" in minute  # about 61 s


def test_config_file_sets_the_policy(tmp_path: Path) -> None:
    config = tmp_path / "iocgate.toml"
    config.write_text('[quota]\nbudget = "10/hour,1000/month"\n', encoding="utf-8")
    code, output = run(tmp_path, "--json", "--config", str(config))
    assert code == 0
    assert [w["window"] for w in json.loads(output)["windows"]] == ["hour", "month"]


def test_unlimited_policy_has_no_windows(tmp_path: Path) -> None:
    code, output = run(tmp_path, "--json", "--quota", "unlimited")
    assert code == 0
    assert json.loads(output)["windows"] == []


def test_a_bad_spec_is_an_error_with_exit_status_1(tmp_path: Path) -> None:
    code, output = run(tmp_path, "--quota", "lots")
    assert code == 1
    assert "InvalidArgumentError" in output
