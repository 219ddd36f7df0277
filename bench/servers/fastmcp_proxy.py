"""The generic peer: FastMCP's OpenAPI proxy (`FastMCP.from_openapi`) over the simulator.

    bench/.venv/bin/python fastmcp_proxy.py --port N --upstream http://127.0.0.1:P/api/v3 --key K

Runs only in the bench venv (fastmcp==4.1.6): fastmcp monkeypatches `mcp_types` at import, so
it must never be importable from the project's venv. The OpenAPI document describes the one
upstream operation the benchmark calls, with iocgate's tool name as operationId (FastMCP
slugifies it to `get_summary_all_behavior_reports`); FastMCP turns it into a tool whose
result is the parsed JSON (text + structured content). Streamable HTTP at `/mcp`,
stateless, JSON responses, the same uvicorn settings as iocgate.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("FASTMCP_ENV_FILE", os.devnull)  # never read a .env from the CWD
os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")

TOOL = "get-summary-all-behavior-reports"


def openapi_spec(upstream: str) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "VirusTotal file behaviours (simulator)", "version": "3"},
        "servers": [{"url": upstream}],
        "paths": {
            "/files/{id}/behaviour_summary": {
                "get": {
                    "operationId": TOOL,
                    "summary": "Get a summary of all behavior reports for a file",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "SHA-256, SHA-1 or MD5 of the file",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The behaviour summary",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            }
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args()

    import httpx2
    from common import serve
    from fastmcp import FastMCP

    client = httpx2.AsyncClient(base_url=args.upstream, headers={"x-apikey": args.key}, timeout=30)
    mcp = FastMCP.from_openapi(
        openapi_spec(args.upstream),
        client=client,
        name="fastmcp-peer",
    )
    app = mcp.http_app(path="/mcp", stateless_http=True, json_response=True)
    serve(app, args.host, args.port, lifespan="on")


if __name__ == "__main__":
    main()
