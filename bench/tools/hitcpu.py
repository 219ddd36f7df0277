"""CPU per cached REST hit of `iocgate serve`'s own app stack, in-process: Host check, metrics,
access log (to stderr), fast path; no sockets, no HTTP server. Needs a running simulator:

    .venv/bin/iocgate sim --port 18923 &
    taskset -c 0 .venv/bin/python bench/tools/hitcpu.py http://127.0.0.1:18923 5000 2>/dev/null
    options: --bare (a bare Starlette app with the same bytes), --memory (memory cache),
             --nolog (access log off), --profile (cProfile of the request path)
    PYTHONPATH=/tmp/a/src ... measures a copy of src/ (bench/README.md)
"""

import asyncio, cProfile, io, logging, os, pstats, sys, tempfile, time
from pathlib import Path

from asgi_drive import drive

SIM, N = sys.argv[1], int(sys.argv[2])
PROFILE = "--profile" in sys.argv
BARE = "--bare" in sys.argv
CACHE = "memory" if "--memory" in sys.argv else "sqlite"
SHA = "c764d280d177f7f512c000f469e59003f2302b9f469c71067ce61a7339ea11ae"
KEY = "78d02b1d13d04972bbfdfed4ede1cfac4fa58e1b4975ce23a9cc68395a784afc"
PATH = f"/v1/files/{SHA}/behaviour_summary"


HEADERS = [(b"user-agent", b"wrk"), (b"accept", b"*/*")]


async def main():
    os.environ["VIRUSTOTAL_API_KEY"] = KEY
    from iocgate.cli.output import setup_logging
    from iocgate.cli.serving.apps import rest_app as _rest_app
    from iocgate.cli.serving.heap import settle_heap
    from iocgate.exposes.metrics import Metrics
    from iocgate.gateway import open_gateway
    from iocgate.settings import load_settings

    setup_logging("info", "text")
    logging.getLogger("iocgate").handlers[0].stream = open(os.devnull, "w")
    if "--nolog" in sys.argv:
        logging.getLogger("iocgate.access").setLevel("WARNING")
    settings = load_settings(
        {
            "upstream": SIM + "/api/v3",
            "quota": "unlimited",
            "cache": CACHE,
            "state_dir": Path(tempfile.mkdtemp()),
        }
    )
    metrics = Metrics()
    async with open_gateway(settings, observer=metrics) as gw:
        metrics.watch_front(gw.engine.memory_front())
        if BARE:
            from starlette.applications import Starlette
            from starlette.responses import Response
            from starlette.routing import Route

            app0 = _rest_app(gw, settings, metrics)
            sent = await drive(app0, "GET", PATH, headers=HEADERS)
            data = b"".join(m.get("body", b"") for m in sent)

            async def fixed(request):
                return Response(data, media_type="application/json")

            app = Starlette(routes=[Route(PATH, fixed)])
        else:
            app = _rest_app(gw, settings, metrics)
        for _ in range(50):
            sent = await drive(app, "GET", PATH, headers=HEADERS)
        print(
            [m["status"] for m in sent if m["type"] == "http.response.start"],
            sum(len(m.get("body", b"")) for m in sent),
            [h for h in sent[0]["headers"]][:12],
        )
        settle_heap()
        prof = cProfile.Profile() if PROFILE else None
        if prof:
            prof.enable()
        c0 = time.process_time()
        for _ in range(N):
            await drive(app, "GET", PATH, headers=HEADERS)
        for handler in logging.getLogger("iocgate").handlers:
            handler.close()  # the writer thread's lines count too: wait until all are written
        cpu = time.process_time() - c0
        if prof:
            prof.disable()
        print(f"{'bare' if BARE else CACHE}: cpu {cpu / N * 1e6:.1f} us/req")
        if prof:
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(30)
            print(s.getvalue()[:7000])


asyncio.run(main())
