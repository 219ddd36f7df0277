"""Cache, quota and retry settings: config file, environment, flags, checks and their docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iocgate.errors import InvalidArgumentError
from iocgate.settings import _CONFIG, _ENV, Settings, load_settings

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "configuration.md"
EXAMPLE = ROOT / "docs" / "iocgate.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "iocgate.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_suit_a_public_key() -> None:
    settings = load_settings(environ={"VIRUSTOTAL_API_KEY": "k"})
    assert settings.quota_spec == "public"
    assert (settings.cache, settings.quota_wait, settings.retry_timeout) == ("sqlite", 30.0, 30.0)
    assert load_settings(environ={}).quota_spec == "unlimited"  # demo mode


def test_config_sections_set_cache_quota_retry_and_upstream(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        """
        [cache]
        backend = "memory"
        ttl = "2d"
        not_found_ttl = 120
        artefact_max_bytes = "64MiB"
        [cache.operation_ttls]
        getAllBehaviorReportsForAFile = "1h"
        [quota]
        budget = "30/min,20000/day"
        wait = "5s"
        [retry]
        attempts = 3
        timeout = "20s"
        [upstream]
        connect_timeout = 2
        read_timeout = "1m"
        """,
    )
    settings = load_settings({"config_file": config}, environ={})
    assert settings.cache == "memory"
    assert settings.cache_ttl == 2 * 86400
    assert settings.not_found_ttl == 120
    assert settings.artefact_cache_max_bytes == 64 * 2**20
    assert settings.operation_ttls == {"getAllBehaviorReportsForAFile": 3600.0}
    assert (settings.quota, settings.quota_wait) == ("30/min,20000/day", 5.0)
    assert (settings.retry_attempts, settings.retry_timeout) == (3, 20.0)
    assert (settings.connect_timeout, settings.read_timeout) == (2.0, 60.0)


def test_flags_beat_environment_which_beats_the_config_file(tmp_path: Path) -> None:
    config = write(tmp_path, '[quota]\nbudget = "1/min"\nwait = 1\n[cache]\nbackend = "off"\n')
    environ = {"IOCGATE_QUOTA": "2/min", "IOCGATE_QUOTA_WAIT": "2", "IOCGATE_CACHE": "memory"}
    settings = load_settings({"config_file": config, "quota": "3/min"}, environ=environ)
    assert (settings.quota, settings.quota_wait, settings.cache) == ("3/min", 2.0, "memory")


def test_every_resilience_setting_has_an_environment_variable() -> None:
    environ = {
        "IOCGATE_CACHE": "redis://127.0.0.1:6379/1",
        "IOCGATE_CACHE_TTL": "1h",
        "IOCGATE_NOT_FOUND_TTL": "30",
        "IOCGATE_ARTEFACT_MAX_BYTES": "0",
        "IOCGATE_QUOTA": "unlimited",
        "IOCGATE_QUOTA_WAIT": "0",
        "IOCGATE_RETRY_ATTEMPTS": "1",
        "IOCGATE_RETRY_TIMEOUT": "5",
        "IOCGATE_CONNECT_TIMEOUT": "1",
        "IOCGATE_READ_TIMEOUT": "2",
        "IOCGATE_STATE_DIR": "/tmp/iocgate-state",
    }
    settings = load_settings(environ=environ)
    assert settings.cache == "redis://127.0.0.1:6379/1"
    assert (settings.cache_ttl, settings.not_found_ttl) == (3600.0, 30.0)
    assert settings.artefact_cache_max_bytes == 0
    assert (settings.quota_spec, settings.quota_wait) == ("unlimited", 0.0)
    assert (settings.retry_attempts, settings.retry_timeout) == (1, 5.0)
    assert (settings.connect_timeout, settings.read_timeout) == (1.0, 2.0)
    assert settings.state_dir == Path("/tmp/iocgate-state")


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("cache", "mongodb://x", "setting cache"),
        ("cache_ttl", "forever", "setting cache_ttl"),
        ("quota_wait", "-1", "setting quota_wait"),
        ("retry_attempts", "0", "setting retry_attempts"),
        ("artefact_cache_max_bytes", "lots", "setting artefact_cache_max_bytes"),
    ],
)
def test_a_bad_value_fails_at_start_up_naming_the_setting(
    flag: str, value: str, named: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=named):
        load_settings({flag: value}, environ={})


def test_example_config_loads_and_matches_the_defaults() -> None:
    settings = load_settings({"config_file": EXAMPLE}, environ={})
    defaults = Settings()
    for name in (
        "cache", "cache_ttl", "not_found_ttl", "artefact_cache_max_bytes", "quota_wait",
        "retry_attempts", "retry_timeout", "connect_timeout", "read_timeout", "host",
        "drain_seconds", "context_budget_tokens", "log_format", "log_level",
    ):  # fmt: skip
        assert getattr(settings, name) == getattr(defaults, name), name
    assert settings.quota == "public"


def test_every_config_key_and_variable_is_documented_and_in_the_example() -> None:
    doc = DOC.read_text(encoding="utf-8")
    example = EXAMPLE.read_text(encoding="utf-8")
    for section, key in _CONFIG:
        assert f"`{key}`" in doc or f"`{section}.{key}`" in doc, f"{section}.{key} in docs"
        assert f"[{section}]" in example, f"[{section}] in the example"
        written = rf"^#?\s*{key}\s*=|^\[{section}\.{key}\]"
        assert re.search(written, example, re.MULTILINE), f"{section}.{key} in the example"
    for variable in [*_ENV, "IOCGATE_CONFIG", "IOCGATE_TOKENS"]:
        assert variable in doc, variable
