"""Start-up's imports and objects kept out of the way of later requests (bench/FINDINGS.md)."""

from __future__ import annotations

import gc
import importlib

from iocgate.imports import defer_package_init, import_without

__all__ = ["GC_THRESHOLD", "import_mcp_stack", "lean_imports", "settle_heap"]

#: Container allocations (net of deallocations) between generation-0 collections.
GC_THRESHOLD = 20_000


def lean_imports() -> None:
    """Before serving imports anything: keep out what its libraries load but never use.

    ``httpx`` imports its command-line client when it can (rich and pygments, ~3 MB); without
    it, it takes the fallback it has for an install without the ``cli`` extra; uvicorn, likewise,
    imports watchfiles for a ``--reload`` serve never does (~1 MB). The MCP SDK's
    ``mcp/__init__`` imports its client, and ``mcp/server/__init__`` its high-level MCPServer
    (cryptography, an HTTP client, ~12.5 MB together); serving uses neither, only the
    low-level server and transports, imported from their own modules. Both package
    ``__init__`` still run the first time anyone asks the package for a name.
    """
    import_without("httpx", ("httpx._main",))
    import_without("uvicorn", ("watchfiles",))  # its --reload supervisor: a file watcher
    defer_package_init("mcp", "mcp.server")


def import_mcp_stack() -> None:
    """The MCP adapter, and jsonschema, which its first tools/call would import otherwise.

    That import held the event loop on the first call and, made after `settle_heap`, left
    every later full collection walking its objects (~100 ms pauses under MCP load). It is
    made without the format plugins (`load_jsonschema`): rfc3987-syntax alone built a lark
    grammar of ~125k objects and ~20 MB.
    """
    importlib.import_module("iocgate.exposes.mcp")
    from iocgate.exposes.mcp.validation import load_jsonschema

    load_jsonschema()


def settle_heap() -> None:
    """Keep what start-up built out of every later garbage collection.

    Imports, models and apps leave ~120k tracked objects. A full (generation 2) collection
    walks them all and held the event loop for 100-500 ms under load: the p99 of 8-10x the
    median in bench/FINDINGS.md. Frozen, they are never walked again; collections then only
    see what requests allocate. A larger first threshold (700 by default) lets a request's
    short-lived trees (a parsed 100 KB answer) die by reference counting before a collection
    promotes them: far fewer generation-1 and -2 collections under load.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 10)
