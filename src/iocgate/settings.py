"""Settings, resolved once: command-line flags > environment > config file > defaults; frozen."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from iocgate.errors import InvalidArgumentError

__all__ = ["Settings", "default_state_dir", "load_settings"]

API_KEY_VARIABLE = "VIRUSTOTAL_API_KEY"


def default_state_dir() -> Path:
    """Where iocgate keeps its cache, quota counters and artefacts (platformdirs)."""
    return Path(platformdirs.user_cache_dir("iocgate", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Everything a gateway, `call` or `investigate` needs to know about how to run."""

    capabilities: tuple[Path, ...] = ()
    host: str = "127.0.0.1"
    rest_port: int | None = None  # None: the capability's port
    mcp_port: int | None = None
    upstream: str | None = None
    demo: bool | None = None  # None: demo when no key is set and no upstream is given
    quota: str | None = None  # public | unlimited | "30/min,20000/day"; None: by mode
    log_format: str = "text"
    log_level: str = "info"
    state_dir: Path = field(default_factory=default_state_dir)
    cache: str = "sqlite"  # sqlite | memory | off | redis://...
    cache_ttl: float = 30 * 24 * 3600.0
    not_found_ttl: float = 600.0
    operation_ttls: Mapping[str, float] = field(default_factory=dict)
    quota_wait: float = 30.0
    retry_attempts: int = 5
    retry_timeout: float = 30.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    attempt_timeout: float = 60.0  # one upstream attempt, start to end of a JSON body
    min_transfer_rate: int = 4096  # bytes/s an artefact download must keep up (after 10 s)
    artefact_cache_max_bytes: int = 512 * 1024 * 1024
    context_budget_tokens: int = 10_000
    tokens: tuple[str, ...] = ()
    client_quota: str | None = None  # per token; default: half of each window of the key's
    allow_open: bool = False
    public_url: str | None = None  # the base of links in answers; None: the bind address
    allowed_hosts: tuple[str, ...] = ()  # Host names accepted beyond loopback and public_url
    trusted_proxies: tuple[str, ...] = ()  # addresses whose X-Forwarded-* headers are believed
    header_timeout: float = 10.0  # a request's headers must arrive within this
    client_connections: int = 256  # open connections one client address may hold
    allow_writes: bool = False
    allow_destructive: bool = False
    writes_allowed: tuple[str, ...] = ()  # operation names opted in one by one
    destructive_allowed: tuple[str, ...] = ()
    drain_seconds: float = 30.0
    config_file: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    @property
    def api_key(self) -> str | None:
        return self.environ.get(API_KEY_VARIABLE) or None

    @property
    def is_demo(self) -> bool:
        if self.demo is not None:
            return self.demo
        return self.api_key is None and self.upstream is None

    @property
    def quota_spec(self) -> str:
        if self.quota:
            return self.quota
        return "unlimited" if self.is_demo else "public"


_ENV = {
    "IOCGATE_UPSTREAM": "upstream",
    "IOCGATE_QUOTA": "quota",
    "IOCGATE_CACHE": "cache",
    "IOCGATE_STATE_DIR": "state_dir",
    "IOCGATE_LOG_FORMAT": "log_format",
    "IOCGATE_LOG_LEVEL": "log_level",
    "IOCGATE_CACHE_TTL": "cache_ttl",
    "IOCGATE_NOT_FOUND_TTL": "not_found_ttl",
    "IOCGATE_ARTEFACT_MAX_BYTES": "artefact_cache_max_bytes",
    "IOCGATE_QUOTA_WAIT": "quota_wait",
    "IOCGATE_RETRY_ATTEMPTS": "retry_attempts",
    "IOCGATE_RETRY_TIMEOUT": "retry_timeout",
    "IOCGATE_CONNECT_TIMEOUT": "connect_timeout",
    "IOCGATE_READ_TIMEOUT": "read_timeout",
    "IOCGATE_ATTEMPT_TIMEOUT": "attempt_timeout",
    "IOCGATE_PUBLIC_URL": "public_url",
    "IOCGATE_ALLOWED_HOSTS": "allowed_hosts",
    "IOCGATE_TRUSTED_PROXIES": "trusted_proxies",
    "IOCGATE_HEADER_TIMEOUT": "header_timeout",
    "IOCGATE_CLIENT_CONNECTIONS": "client_connections",
}

# [section] key in the TOML config -> Settings field
_CONFIG = {
    ("server", "host"): "host",
    ("server", "rest_port"): "rest_port",
    ("server", "mcp_port"): "mcp_port",
    ("server", "allow_open"): "allow_open",
    ("server", "public_url"): "public_url",
    ("server", "allowed_hosts"): "allowed_hosts",
    ("server", "trusted_proxies"): "trusted_proxies",
    ("server", "header_timeout"): "header_timeout",
    ("server", "client_connections"): "client_connections",
    ("server", "allow_writes"): "allow_writes",
    ("server", "allow_destructive"): "allow_destructive",
    ("writes", "allow"): "writes_allowed",
    ("writes", "allow_destructive"): "destructive_allowed",
    ("server", "drain_seconds"): "drain_seconds",
    ("upstream", "url"): "upstream",
    ("upstream", "connect_timeout"): "connect_timeout",
    ("upstream", "read_timeout"): "read_timeout",
    ("upstream", "attempt_timeout"): "attempt_timeout",
    ("upstream", "min_transfer_rate"): "min_transfer_rate",
    ("quota", "budget"): "quota",
    ("quota", "wait"): "quota_wait",
    ("cache", "backend"): "cache",
    ("cache", "ttl"): "cache_ttl",
    ("cache", "not_found_ttl"): "not_found_ttl",
    ("cache", "operation_ttls"): "operation_ttls",
    ("cache", "artefact_max_bytes"): "artefact_cache_max_bytes",
    ("retry", "attempts"): "retry_attempts",
    ("retry", "timeout"): "retry_timeout",
    ("auth", "tokens"): "tokens",
    ("auth", "client_quota"): "client_quota",
    ("mcp", "context_budget_tokens"): "context_budget_tokens",
    ("log", "format"): "log_format",
    ("log", "level"): "log_level",
    ("state", "dir"): "state_dir",
}


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidArgumentError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidArgumentError(f"config file {path} is not valid TOML: {exc}") from None
    values: dict[str, Any] = {}
    for section, table in data.items():
        if isinstance(table, str | int | float | bool):  # top-level `quota = "public"` too
            table = {"budget" if section == "quota" else section: table}
            section = section if section == "quota" else "server"
        if not isinstance(table, dict):
            raise InvalidArgumentError(f"config file {path}: [{section}] must be a table")
        for key, value in table.items():
            target = _CONFIG.get((section, key))
            if target is None:
                known = ", ".join(sorted(f"{s}.{k}" for s, k in _CONFIG))
                raise InvalidArgumentError(
                    f"config file {path}: unknown setting {section}.{key} (known: {known})"
                )
            values[target] = value
    return values


def _convert(name: str, value: Any) -> Any:
    if name == "state_dir":
        return Path(value).expanduser()
    if name in ("writes_allowed", "destructive_allowed"):
        return tuple(str(v) for v in value)
    if name in ("tokens", "allowed_hosts", "trusted_proxies"):
        items = value.split(",") if isinstance(value, str) else list(value)
        return tuple(str(t).strip() for t in items if str(t).strip())
    if name == "public_url":
        return _public_url(name, value)
    if name in ("rest_port", "mcp_port"):
        return None if value is None else int(value)
    if name == "drain_seconds":
        return float(value)
    if name in _RESILIENCE:
        return _RESILIENCE[name](name, value)
    return value


# Cache, quota and retry settings: checked here so that a typo fails at start-up, naming the
# setting, instead of at the first request.
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([a-z]*)$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_SIZES = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
}
_BACKENDS = ("sqlite", "memory", "off")


def _seconds(name: str, value: Any) -> float:
    """Seconds as a number or with a unit: ``600``, ``"10m"``, ``"30d"``."""
    match = _DURATION.match(str(value).strip().lower())
    if match is None or isinstance(value, bool):
        raise InvalidArgumentError(
            f"setting {name}: {value!r} is not a duration (seconds, or e.g. '10m', '2h', '30d')"
        )
    return float(match[1]) * _UNITS[match[2] or "s"]


def _size(name: str, value: Any) -> int:
    """Bytes as a number or with a unit: ``536870912``, ``"512MiB"``, ``"1GB"``."""
    match = _SIZE.match(str(value).strip().lower())
    if match is None or match[2] not in _SIZES or isinstance(value, bool):
        raise InvalidArgumentError(
            f"setting {name}: {value!r} is not a size (bytes, or e.g. '512MiB', '1GB'; 0: off)"
        )
    return int(float(match[1]) * _SIZES[match[2]])


def _public_url(name: str, value: Any) -> str:
    """An absolute http(s) URL without query or fragment, e.g. ``https://iocgate.example``."""
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InvalidArgumentError(
            f"setting {name}: {value!r} is not a public URL (e.g. https://iocgate.example "
            "or http://10.0.0.5:8080)"
        )
    return text


def _attempts(name: str, value: Any) -> int:
    try:
        attempts = int(value)
    except (TypeError, ValueError):
        attempts = 0
    if attempts < 1:
        raise InvalidArgumentError(f"setting {name}: {value!r} must be a whole number >= 1")
    return attempts


def _backend(name: str, value: Any) -> str:
    text = str(value).strip()
    if text.lower() in _BACKENDS:
        return text.lower()
    if text.startswith(("redis://", "rediss://", "unix://")):
        return text
    raise InvalidArgumentError(
        f"setting {name}: {value!r} is not a cache backend "
        "(sqlite, memory, off, or a redis://host:port/db URL)"
    )


def _operation_ttls(name: str, value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(f"setting {name}: expected a table of operation = seconds")
    return {str(k): _seconds(f"{name}.{k}", v) for k, v in value.items()}


_RESILIENCE: dict[str, Any] = {
    "cache": _backend,
    "cache_ttl": _seconds,
    "not_found_ttl": _seconds,
    "operation_ttls": _operation_ttls,
    "artefact_cache_max_bytes": _size,
    "quota_wait": _seconds,
    "retry_attempts": _attempts,
    "retry_timeout": _seconds,
    "connect_timeout": _seconds,
    "read_timeout": _seconds,
    "attempt_timeout": _seconds,
    "header_timeout": _seconds,
    "client_connections": _attempts,
    "min_transfer_rate": _size,
}


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings: ``flags`` (None means not given) > environment > config > defaults."""
    env = dict(os.environ if environ is None else environ)
    given = {k: v for k, v in (flags or {}).items() if v is not None and v != ()}
    values: dict[str, Any] = {}
    config_path = given.get("config_file") or env.get("IOCGATE_CONFIG")
    if config_path:
        values |= _read_config(Path(config_path))
        values["config_file"] = Path(config_path)
    for variable, name in _ENV.items():
        if env.get(variable):
            values[name] = env[variable]
    if env.get("IOCGATE_TOKENS"):
        values["tokens"] = env["IOCGATE_TOKENS"]
    values |= given
    known = {f.name for f in fields(Settings)}
    unknown = set(values) - known
    if unknown:
        raise InvalidArgumentError(f"unknown settings: {', '.join(sorted(unknown))}")
    converted = {k: _convert(k, v) for k, v in values.items()}
    return replace(Settings(environ=env), **converted)
