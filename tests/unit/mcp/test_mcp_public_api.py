"""The MCP adapter's public names: what the CLI and other layers may import, and nothing else."""

from __future__ import annotations

import iocgate.exposes.mcp as package

PUBLIC = [
    "LOOPBACK_HOSTS",
    "LOOPBACK_ORIGINS",
    "ExtraTool",
    "ExtraToolOutput",
    "McpOptions",
    "create_mcp_app",
    "create_mcp_server",
    "run_stdio",
]


def test_the_package_exports_exactly_its_documented_names_in_sorted_order() -> None:
    assert package.__all__ == PUBLIC
    assert package.__all__ == sorted(package.__all__, key=lambda n: (not n.isupper(), n))
    for name in PUBLIC:
        assert getattr(package, name) is not None


def test_default_options_fit_a_loopback_gateway() -> None:
    options = package.McpOptions()
    assert options.budget_bytes == 40_000
    assert options.allowed_hosts == ("127.0.0.1:*", "localhost:*", "[::1]:*")
    assert options.demo is False
    assert options.rest_base_url is None
