"""The public names of the engine and the adapters, pinned: a change to them is a decision.

As httpx does (tests/test_exported_members.py there): each package's ``__all__`` is the exact
list below, sorted, every name importable from the package. Adapters and plugins use these;
anything else is imported from its own module and may change without notice.
"""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "iocgate.engine": [
        "ByteStream", "CacheMode", "CachePolicy", "CacheStatus", "CachedVersion", "Caller",
        "Engine", "LoadedCapability", "Observer", "Plugin", "PluginContext", "PluginResource",
        "PluginResponse", "PluginRoute", "PluginTool", "Plugins", "QuotaStatus", "Result",
        "RetryPolicy", "UpstreamClient", "UpstreamSettings", "WritePolicy", "is_binary",
        "is_converted", "new_request_id", "parse_retry_after", "request_id_from",
    ],
    "iocgate.engine.stores": [
        "ArtefactCache", "Cache", "CachedResponse", "MemoryCache", "NullCache", "describe_store",
        "is_redis", "open_budget_store", "open_cache", "open_quota",
    ],
    "iocgate.engine.quota": [
        "Budget", "BudgetQuota", "BudgetStore", "MemoryBudgetStore", "PerClientQuota", "Quota",
        "UnlimitedQuota", "Window", "WindowUsage", "half_budget", "parse_budget",
    ],
    "iocgate.capability": [
        "SUPPORTED_VERSIONS", "BindValues", "Capability", "CapabilityDocument", "ExposedCall",
        "Hints", "McpAdapter", "Operation", "OutputParameter", "Parameter", "RequestBody",
        "ResourceSpec", "RestAdapter", "RestRoute", "Source", "ToolSpec", "Warning_",
        "check_capability", "encode_path_segment", "find_conflicts", "lint_capability",
        "load_capability", "load_capability_text", "location_path", "read_file", "read_source",
        "render_path", "render_text", "resolve_binds", "skill_sources",
    ],
    "iocgate.exposes.rest": ["RestOptions", "create_rest_app"],
    "iocgate.exposes.mcp": [
        "LOOPBACK_HOSTS", "LOOPBACK_ORIGINS", "ExtraTool", "ExtraToolOutput", "McpOptions",
        "create_mcp_app", "create_mcp_server", "run_stdio",
    ],
}  # fmt: skip


def _sorted(names: list[str]) -> list[str]:
    """Constants, then classes, then functions: each group alphabetically (as ruff sorts)."""
    return sorted(names, key=lambda n: (not n.isupper(), n[0].islower(), n))


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_the_public_names_are_exactly_these(package: str) -> None:
    assert importlib.import_module(package).__all__ == PUBLIC[package]


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_the_public_names_are_sorted_unique_and_importable(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__ == _sorted(list(set(module.__all__)))
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == [], f"{package} lists names it does not define"
