"""CPU per request of an upstream client fetching a body at concurrency c (bench/FINDINGS.md, 7).

taskset -c 1 .venv/bin/python bench/servers/bare_app.py --port 18111 --body bench/.work/summary.json --path /x &
taskset -c 0 .venv/bin/python bench/tools/clients.py http://127.0.0.1:18111/x 16 2000 httpx|aiohttp
"""

import asyncio
import sys
import time

URL, C, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
KIND = sys.argv[4]


async def main():
    if KIND.startswith("httpx"):
        import httpx

        kw = {}
        if KIND == "httpx-h11pool":
            kw = dict(limits=httpx.Limits(max_connections=C, max_keepalive_connections=C))
        else:
            kw = dict(limits=httpx.Limits(max_connections=64, max_keepalive_connections=64))
        client = httpx.AsyncClient(trust_env=False, **kw)

        async def one():
            r = await client.get(URL)
            return len(r.content)
    elif KIND == "httpx-stream":
        pass
    elif KIND == "aiohttp":
        import aiohttp

        client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64), trust_env=False)

        async def one():
            async with client.get(URL) as r:
                return len(await r.read())

    sem = asyncio.Semaphore(C)

    async def worker(k):
        for _ in range(k):
            await one()

    for _ in range(50):
        await one()
    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*[worker(N // C) for _ in range(C)])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{KIND:<14} c={C:<3} cpu {cpu / N * 1e6:6.0f} us/req  wall {wall / N * 1e6:6.0f} us/req  {N / wall:7.0f} req/s"
    )
    if KIND == "aiohttp":
        await client.close()
    else:
        await client.aclose()


asyncio.run(main())
