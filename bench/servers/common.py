"""What every comparison server shares: uvicorn configured exactly as `iocgate serve` does it.

`iocgate.gateway.bind_app` pre-binds a socket (backlog 2048) and runs `uvicorn.Config(app,
log_level="warning", access_log=False, server_header=False, ...)` with the default loop and
HTTP implementations (uvloop and httptools when installed). The peers use the same settings so
that the ratios measure the application, not the server.
"""

from __future__ import annotations

import socket
from typing import Any


def serve(app: Any, host: str, port: int, *, lifespan: str = "auto") -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=1,
        lifespan=lifespan,
    )
    uvicorn.Server(config).run(sockets=[sock])
