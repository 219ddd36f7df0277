"""Per-request CPU of the gateway's REST or MCP app called in-process (no sockets, no server),
beside a bare Starlette app; --profile adds cProfile tables. Needs a running simulator:

    .venv/bin/iocgate sim --port 18090 &
    taskset -c 0 .venv/bin/python bench/tools/inproc.py http://127.0.0.1:18090 rest-sqlite 3000 [--log] [--profile]
    modes: bare | rest-memory | rest-sqlite | rest-off | mcp-memory | mcp-sqlite
    PYTHONPATH=/tmp/a/src ... measures a changed copy of src/ (bench/README.md)

bare needs bench/.work/summary.json (written by bench/run.py)."""

import asyncio
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import time
from pathlib import Path

from asgi_drive import drive

SIM = sys.argv[1]
MODE = sys.argv[2]  # rest-memory | rest-sqlite | mcp-memory | mcp-sqlite | bare | rest-off
N = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
PROFILE = "--profile" in sys.argv
LOG = "--log" in sys.argv
SHA = "6d4b52cad93267b45a239abec07e300fc933ffd755d0ac8b413f4b00e7b2bbc9"
KEY = "78d02b1d13d04972bbfdfed4ede1cfac4fa58e1b4975ce23a9cc68395a784afc"


async def main():
    os.environ["VIRUSTOTAL_API_KEY"] = KEY
    import tempfile

    from iocgate.cli.output import setup_logging
    from iocgate.gateway import open_gateway
    from iocgate.settings import load_settings

    if LOG:
        setup_logging("info", "text")
        logging.getLogger("iocgate").handlers[0].stream = open(os.devnull, "w")
    else:
        logging.getLogger("iocgate").setLevel("WARNING")
    cache = MODE.split("-")[1] if "-" in MODE else "memory"
    settings = load_settings(
        {
            "upstream": SIM + "/api/v3",
            "quota": "unlimited",
            "cache": cache,
            "state_dir": Path(tempfile.mkdtemp()),
        }
    )
    path = f"/v1/files/{SHA}/behaviour_summary"
    async with open_gateway(settings) as gw:
        if MODE.startswith("rest"):
            from iocgate.exposes.rest import RestOptions, create_rest_app

            app = create_rest_app(gw.engine, RestOptions())
            hdrs = ((b"cache-control", b"no-store"),) if cache == "off" else ()
            call = lambda: drive(app, "GET", path, headers=hdrs)
        elif MODE.startswith("mcp"):
            from iocgate.exposes.mcp import McpOptions, create_mcp_app, create_mcp_server

            options = McpOptions(
                demo=False, budget_tokens=10000, rest_base_url="http://127.0.0.1:8080"
            )
            app = create_mcp_app(create_mcp_server(gw.engine, options), options)
            body = json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "tools/call",
                    "params": {
                        "name": "get-summary-all-behavior-reports",
                        "arguments": {"id": SHA},
                    },
                }
            ).encode()
            hdrs = (
                (b"content-type", b"application/json"),
                (b"accept", b"application/json, text/event-stream"),
            )
            call = lambda: drive(app, "POST", "/mcp", body, hdrs)
        else:
            from starlette.applications import Starlette
            from starlette.responses import Response
            from starlette.routing import Route

            data = Path(__file__).resolve().parent.parent / ".work" / "summary.json".read_bytes()

            async def fixed(request):
                return Response(data, media_type="application/json")

            app = Starlette(routes=[Route(path, fixed)])
            call = lambda: drive(app, "GET", path)
        if MODE.startswith("mcp"):
            async with _lifespan(app):
                await run(call)
        else:
            await run(call)


import contextlib


@contextlib.asynccontextmanager
async def _lifespan(app):
    async with app.router.lifespan_context(app):
        yield


async def run(call):
    for _ in range(50):
        sent = await call()
    status = next(m for m in sent if m["type"] == "http.response.start")["status"]
    size = sum(len(m.get("body", b"")) for m in sent if m["type"] == "http.response.body")
    prof = cProfile.Profile() if PROFILE else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    for _ in range(N):
        await call()
    if prof:
        prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{MODE:<12} status {status} body {size:>7} B  cpu {cpu / N * 1e6:7.1f} us/req  wall {wall / N * 1e6:7.1f} us/req"
    )
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(25)
        print(s.getvalue()[:6000])
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(45)
        print(s.getvalue()[:9000])


asyncio.run(main())
