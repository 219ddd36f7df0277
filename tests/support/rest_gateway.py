"""Run the REST adapter alone on an upstream, in its own process (for memory measurements).

    python -m tests.support.rest_gateway UPSTREAM_URL API_KEY

prints ``PORT <n>`` once it listens on 127.0.0.1 (port 0: the system picks), then serves until
killed. The engine is the seed capability with the VirusTotal plugin, as `make_engine` builds it.
"""

from __future__ import annotations

import socket
import sys

import anyio
import uvicorn

from iocgate.capability import load_capability, resolve_binds
from iocgate.engine import Engine, LoadedCapability, Plugins, RetryPolicy
from iocgate.exposes.rest import RestOptions, create_rest_app
from iocgate.virustotal import DEFAULT_CAPABILITY, VirusTotalPlugin


async def serve(upstream: str, key: str) -> None:
    capability = load_capability(DEFAULT_CAPABILITY)
    binds = resolve_binds(
        capability.binds, capability_file=capability.name, environ={"VIRUSTOTAL_API_KEY": key}
    )
    loaded = LoadedCapability(
        capability=capability,
        binds=binds,
        plugins=Plugins([VirusTotalPlugin()]),
        base_uri=upstream,
    )
    engine = Engine([loaded], retry=RetryPolicy.disabled())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    app = create_rest_app(engine, RestOptions())
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    print(f"PORT {sock.getsockname()[1]}", flush=True)  # noqa: T201 - the parent reads it
    try:
        await uvicorn.Server(config).serve([sock])
    finally:
        await engine.aclose()


if __name__ == "__main__":
    anyio.run(serve, sys.argv[1], sys.argv[2])
