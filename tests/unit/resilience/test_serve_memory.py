"""What ``iocgate serve`` loads that it never uses costs RSS (issue #23): kept out."""

from __future__ import annotations

import subprocess
import sys

# The modules serve imports at start-up, in its order (the MCP stack in its worker thread
# included), then a served MCP server answering `initialize`, `tools/list` and `tools/call`.
PROBE = """
import sys
from iocgate.cli.serving.heap import lean_imports, import_mcp_stack
lean_imports()
import iocgate.gateway, iocgate.exposes.rest, iocgate.exposes.metrics
import_mcp_stack()
from iocgate.exposes.mcp.validation import ArgumentValidator
errors = ArgumentValidator({"type": "object", "required": ["id"]}).errors({})
print(len(errors), *sorted(
    m for m in sys.modules if any(m == n or m.startswith(n + ".") for n in NAMES)
))
"""

# Kept out: redis (~7 MB) but with a redis:// cache; rfc3987-syntax (~20 MB, a lark grammar)
# and jsonschema's other format checkers (tool arguments are not format-checked); stix2 (~12 MB
# with its pattern grammar) until the first STIX export; httpx's command-line client (rich,
# pygments: ~3 MB); the MCP SDK's client and high-level MCPServer (cryptography, httpx2:
# ~12.5 MB), which `mcp/__init__` and `mcp/server/__init__` import; watchfiles (uvicorn's
# --reload, ~1 MB).
KEPT_OUT = {
    "redis", "rfc3987_syntax", "lark", "webcolors", "isoduration", "uri_template", "stix2",
    "httpx._main", "rich", "pygments", "mcp.client", "mcp.server.mcpserver", "cryptography",
    "httpx2", "watchfiles",
}  # fmt: skip


def run_probe(names: set[str], code: str = PROBE) -> list[str]:
    probe = f"NAMES = {sorted(names)!r}\n" + code
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.split()


def test_serving_loads_none_of_what_it_never_uses() -> None:
    assert run_probe(KEPT_OUT) == ["1"]  # validation still works, and nothing of the above


def test_the_sdk_packages_are_whole_for_whoever_asks_them_for_a_name() -> None:
    # A plugin or host application in the same process still gets `mcp` as its __init__
    # builds it; httpx without its command-line extra has a `main` that says so.
    code = """
from iocgate.cli.serving.heap import lean_imports, import_mcp_stack
lean_imports()
import_mcp_stack()
import httpx, mcp, mcp.server
from mcp import Client, ClientSession
print(Client.__module__, ClientSession.__name__, mcp.server.MCPServer.__name__)
print(callable(httpx.main))
"""
    assert run_probe(set(), code) == [
        "mcp.client.client", "ClientSession", "MCPServer", "True"
    ]  # fmt: skip
