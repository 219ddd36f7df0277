"""The framework limit: a bare Starlette app that returns fixed bytes from memory.

    python bare_app.py --port N --body FILE --path /v1/files/{sha}/behaviour_summary

Runs in the project's venv (the same starlette and uvicorn as iocgate), with the same uvicorn
settings as `iocgate serve` (see common.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import serve  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True)
    parser.add_argument("--path", required=True)
    args = parser.parse_args()
    body = args.body.read_bytes()

    async def fixed(request: Request) -> Response:
        return Response(body, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(routes=[Route(args.path, fixed), Route("/healthz", healthz)])
    serve(app, args.host, args.port)


if __name__ == "__main__":
    main()
