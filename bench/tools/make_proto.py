"""Builds a scratch copy of src/ with the fixes of bench/FINDINGS.md applied, to measure them.

    .venv/bin/python bench/tools/make_proto.py                 # fixes 1-4 and 9 -> bench/.work/proto2/src
    .venv/bin/python bench/tools/make_proto.py --miss          # + 7, 8 (aiohttp, no parse) -> proto3
    .venv/bin/python bench/tools/make_proto.py --miss --fast   # + 10 (REST hit fast path) -> proto4
    .venv/bin/python bench/run.py --src bench/.work/proto4/src ...

Each edit is a text replacement; one whose text is no longer in src/ prints NOT APPLIED.
Prototype quality: the lead applies the real fixes.
"""

import re
import shutil
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
SRC = BENCH.parent / "src"
DST = (
    BENCH
    / ".work"
    / ("proto4" if "--fast" in sys.argv else "proto3" if "--miss" in sys.argv else "proto2")
    / "src"
)
shutil.rmtree(DST.parent, ignore_errors=True)
shutil.copytree(SRC, DST)
R = DST / "iocgate"


def edit(path, old, new, count=1):
    p = R / path
    s = p.read_text()
    if old not in s:
        print(f"NOT APPLIED {path}: {old[:60]!r}")
        return
    p.write_text(s.replace(old, new, count))
    print(f"applied {path}")


# 1 uvloop
edit(
    "cli/serve.py",
    "    anyio.run(_serve, settings)\n",
    """    # uvicorn picks uvloop only in Server.run(); served from anyio.run it must be asked for.
    uvloop = importlib.util.find_spec("uvloop") is not None
    anyio.run(_serve, settings, backend_options={"use_uvloop": uvloop})
""",
)
edit("cli/serve.py", "import ipaddress\n", "import importlib.util\nimport ipaddress\n")
# 2 sqlite memory front
edit(
    "engine/sqlite_store.py",
    "import anyio.to_thread\n",
    "import anyio.to_thread\n\nfrom iocgate.engine.memory_cache import MemoryCache\n",
)
edit(
    "engine/sqlite_store.py",
    "SWEEP_EVERY = 200\n",
    "SWEEP_EVERY = 200\n\n#: How long an answer read from the file is then served from memory (another process may\n#: replace the row meanwhile: a refresh there is seen here within this time).\nFRONT_TTL = 60.0\nFRONT_MAX_BYTES = 64 * 1024 * 1024\n",
)
edit(
    "engine/sqlite_store.py",
    """        self.clock = clock
        self._writes = 0

    async def get(self, key: str) -> CachedResponse | None:
        now = self.clock()
""",
    """        self.clock = clock
        self._writes = 0
        self._front = MemoryCache(max_bytes=FRONT_MAX_BYTES, clock=clock)

    async def get(self, key: str) -> CachedResponse | None:
        front = await self._front.get(key)  # no worker thread, no copy: a hit in ~1 us
        if front is not None:
            return front
        now = self.clock()
""",
)
edit(
    "engine/sqlite_store.py",
    """        def select(db: sqlite3.Connection) -> tuple[int, str, str, bytes, float] | None:
            row = db.execute(
                "SELECT status, content_type, headers, body, stored_at FROM responses "
                "WHERE key = ? AND expires_at > ?",
                (key, now),
            ).fetchone()
            return None if row is None else (row[0], row[1], row[2], row[3], row[4])""",
    """        def select(db: sqlite3.Connection) -> tuple[int, str, str, bytes, float, float] | None:
            row = db.execute(
                "SELECT status, content_type, headers, body, stored_at, expires_at FROM responses "
                "WHERE key = ? AND expires_at > ?",
                (key, now),
            ).fetchone()
            return None if row is None else (row[0], row[1], row[2], row[3], row[4], row[5])""",
)
edit(
    "engine/sqlite_store.py",
    """        status, content_type, headers, body, stored_at = row
        return CachedResponse(
            status, content_type, bytes(body), stored_at, CachedResponse.parse_headers(headers)
        )""",
    """        status, content_type, headers, body, stored_at, expires_at = row
        answer = CachedResponse(
            status, content_type, bytes(body), stored_at, CachedResponse.parse_headers(headers)
        )
        # Kept in memory no longer than the row lives, and at most FRONT_TTL.
        await self._front.put(key, answer, min(expires_at - now, FRONT_TTL))
        return answer""",
)
edit(
    "engine/sqlite_store.py",
    """            await self.database.run(insert)
        except sqlite3.Error as exc:""",
    """            await self.database.run(insert)
            await self._front.put(key, response, min(ttl, FRONT_TTL))
        except sqlite3.Error as exc:""",
)
# 3 the cache-hit log line only at debug (the access line says cache=HIT)
s = (R / "engine/invoke.py").read_text()

m = re.search(r"    def _log_hit\(self, context: Invocation\) -> None:\n        log\.info\(", s)
if m:
    edit(
        "engine/invoke.py",
        m.group(0),
        "    def _log_hit(self, context: Invocation) -> None:\n        if not log.isEnabledFor(logging.DEBUG):  # the access log line already says cache=HIT\n            return\n        log.debug(",
    )
else:
    print("NOT APPLIED engine/invoke.py _log_hit")
# 4 version of a stored answer on Result, used by LinkRewriter
edit(
    "engine/result.py",
    """    upstream_status: int | None = None
""",
    """    upstream_status: int | None = None
    #: (cache key, stored_at) of a stored answer: the same version has the same bytes.
    version: tuple[str, float] | None = None
""",
)
edit(
    "engine/invoke.py",
    """        checked = cache is CacheStatus.HIT or fetched.stored  # stored bodies were parsed once
""",
    """        checked = cache is CacheStatus.HIT or fetched.stored  # stored bodies were parsed once
        version = (context.request.cache_key, fetched.answer.stored_at) if checked else None
""",
)
edit(
    "engine/invoke.py",
    "checked=checked,\n        )  # fmt: skip",
    "checked=checked, version=version,\n        )  # fmt: skip",
)
edit(
    "engine/invoke.py",
    """        checked: bool = False,
    ) -> Result:""",
    """        checked: bool = False,
        version: tuple[str, float] | None = None,
    ) -> Result:""",
)
edit(
    "engine/invoke.py",
    """            return Result(content_type="application/json", json_body=stored.body, **common)""",
    """            return Result(
                content_type="application/json", json_body=stored.body, version=version, **common
            )""",
)
edit(
    "exposes/rest/links.py",
    """        if not any(needle in raw for needle in self._needles):
            return raw""",
    """        version = result.version
        if version is not None and version in self._plain:
            return raw  # this stored answer was scanned before: it names no upstream base
        if not any(needle in raw for needle in self._needles):
            if version is not None:
                if len(self._plain) >= 4096:
                    self._plain.clear()
                self._plain.add(version)
            return raw""",
)
edit(
    "exposes/rest/links.py",
    """        self._recent = _RecentBodies()
""",
    """        self._recent = _RecentBodies()
        self._plain: set[tuple[str, float]] = set()  # stored versions that name no base
""",
)
# 5 MCP: shaped answers memoised per stored body
s = (R / "exposes/mcp/results.py").read_text()
m = re.search(
    r"(def render_data\(data: Any, info: CallInfo, result: Result \| None = None\) -> types\.CallToolResult:\n    \"\"\"A JSON answer, fitted to the budget \(``section``/``offset`` page through it\)\.\"\"\"\n)    try:\n        shaped = fit_answer\(\n            data,\n(.*?)            notes=_notes\(info\),\n        \)\n    except SectionError as exc:\n        return render_error\(\"InvalidArgumentError\", str\(exc\), info, result=result\)\n(.*?    warning = warning_for\(shaped\.structured\)\n)?",
    s,
    re.S,
)
if not m:
    print("NOT APPLIED exposes/mcp/results.py render_data")
else:
    middle = m.group(2)
    tail = m.group(3) or ""
    has_warning = bool(tail)
    pre_warning = (
        tail.replace("    warning = warning_for(shaped.structured)\n", "") if has_warning else ""
    )
    body = (
        "_SHAPED: OrderedDict[tuple[Any, ...], Any] = OrderedDict()\n_SHAPED_MAX = 64\n\n\n"
        + m.group(1).replace(
            'page through it)."""',
            'page through it).\n\n    Shaping a large answer costs milliseconds (its parts are serialised many times to measure\n    them), so the shape of a stored answer is kept: same version, budget and page, same shape.\n    """',
        )
        + "    notes = _notes(info)\n"
        "    version = result.version if result is not None else None\n"
        "    key = None\n"
        "    memo = None\n"
        "    if version is not None:\n"
        "        key = (version, info.budget_bytes, info.section, info.offset, tuple(sorted(notes.items())))\n"
        "        memo = _SHAPED.get(key)\n"
        "        if memo is not None:\n"
        "            _SHAPED.move_to_end(key)\n"
        "    if memo is None:\n"
        "        try:\n"
        "            shaped = fit_answer(\n"
        "                data if data is not None or result is None else result.data,\n"
        + "".join("    " + line + "\n" for line in middle.splitlines())
        + "                notes=notes,\n"
        "            )\n"
        "        except SectionError as exc:\n"
        '            return render_error("InvalidArgumentError", str(exc), info, result=result)\n'
        + (
            "        memo = (shaped, warning_for(shaped.structured))\n"
            if has_warning
            else "        memo = (shaped, None)\n"
        )
        + "        if key is not None:\n"
        "            _SHAPED[key] = memo\n"
        "            if len(_SHAPED) > _SHAPED_MAX:\n"
        "                _SHAPED.popitem(last=False)\n"
        "    shaped, warning = memo\n" + pre_warning
    )
    s = s[: m.start()] + body + s[m.end() :]
    (R / "exposes/mcp/results.py").write_text(s)
    print(
        "applied exposes/mcp/results.py render_data (warning memoised too)"
        if has_warning
        else "applied exposes/mcp/results.py render_data"
    )
edit(
    "exposes/mcp/results.py",
    "    return render_data(result.data, info, result)",
    "    return render_data(None if result.version is not None else result.data, info, result)",
)
edit(
    "exposes/mcp/results.py",
    "from collections.abc import Callable, Mapping, Sequence\n",
    "from collections import OrderedDict\nfrom collections.abc import Callable, Mapping, Sequence\n",
)

# ---------------------------------------------------------------- misses (only with --miss)
if "--miss" in sys.argv:
    # 6 no JSON parse for a pass-through answer that is not kept
    edit(
        "engine/fetch.py",
        "    if ttl and is_json(received.content_type) and _parses(received.body):",
        '    if ttl and getattr(engine.cache, "keeps_answers", True) and is_json(received.content_type) and _parses(received.body):',
    )
    edit(
        "engine/cache.py",
        """class NullCache:
""",
        """class NullCache:
    keeps_answers = False  # nothing stored: never parse a body only to check it is storable
""",
    )
    for path in ("engine/memory_cache.py", "engine/sqlite_store.py", "engine/redis_store.py"):
        p = R / path
        s = p.read_text()
        for cls in ("class MemoryCache:", "class SqliteCache:", "class RedisCache:"):
            if cls in s:
                s = s.replace(cls + "\n", cls + "\n    keeps_answers = True\n", 1)
                print("applied", path, cls)
        p.write_text(s)
    edit(
        "engine/invoke.py",
        """        if checked and is_passthrough(output_parameters):""",
        """        if is_passthrough(output_parameters) and (checked or stored.status < 400):""",
    )
    # 7 aiohttp instead of httpx for upstream calls (httpx kept for an injected test transport)
    up = (R / "engine/upstream.py").read_text()
    up = up.replace(
        """import httpx
""",
        """import asyncio

import aiohttp
import httpx
import yarl
""",
        1,
    )
    up = up.replace(
        """class UpstreamClient:""",
        '''class AiohttpResponse:
    """The part of `httpx.Response` that fetch uses, over an aiohttp response."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status_code = response.status
        self.headers = response.headers  # case-insensitive, like httpx's

    async def aiter_bytes(self):  # type: ignore[no-untyped-def]
        try:
            async for chunk in self._response.content.iter_chunked(65536):
                yield chunk
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise httpx.ReadError(str(exc)) from None

    async def aclose(self) -> None:
        self._response.release()


class UpstreamClient:''',
        1,
    )
    up = up.replace(
        """        self._clients: dict[tuple[str, str, int | None], httpx.AsyncClient] = {}
""",
        """        self._clients: dict[tuple[str, str, int | None], httpx.AsyncClient] = {}
        self._session: aiohttp.ClientSession | None = None

    def _aiohttp(self) -> aiohttp.ClientSession:
        if self._session is None:
            s = self.settings
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=s.max_connections, ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(sock_connect=s.connect_timeout, sock_read=s.read_timeout),
                headers={"User-Agent": s.user_agent},
                trust_env=False,
                auto_decompress=True,
                skip_auto_headers=("Accept-Encoding",),
            )
            # aiohttp resends an idempotent request once when a kept-alive connection turns out
            # closed; the engine's retry policy must stay the only one (private flag, aiohttp 3.10+).
            self._session._retry_connection = False
        return self._session
""",
        1,
    )
    up = up.replace(
        """        clients, self._clients = list(self._clients.values()), {}""",
        """        if self._session is not None:
            await self._session.close()
            self._session = None
        clients, self._clients = list(self._clients.values()), {}""",
        1,
    )
    up = up.replace(
        """            for _ in range(MAX_REDIRECTS + 1):
                client = self._client(url)
                built = client.build_request(method, url, headers=headers, content=body)
                response = await client.send(built, stream=True)""",
        """            for _ in range(MAX_REDIRECTS + 1):
                if self._transport is None:
                    try:
                        raw = await self._aiohttp().request(
                            # encoded=True: sent as built (yarl would resolve a ".." segment)
                            method, yarl.URL(url, encoded=True), headers=headers, data=body,
                            allow_redirects=False,
                        )
                    except asyncio.TimeoutError:
                        raise httpx.ReadTimeout("timed out") from None
                    except aiohttp.ClientError as exc:
                        raise httpx.ConnectError(str(exc)) from None
                    response = AiohttpResponse(raw)
                else:
                    client = self._client(url)
                    built = client.build_request(method, url, headers=headers, content=body)
                    response = await client.send(built, stream=True)""",
        1,
    )
    (R / "engine/upstream.py").write_text(up)
    print("applied engine/upstream.py aiohttp")
    edit(
        "engine/fetch.py",
        "    if isinstance(received, httpx.Response):",
        "    if not isinstance(received, CachedResponse):",
    )

# ---------------------------------------------------------------- REST hit fast path (only with --fast)
if "--fast" in sys.argv:
    shutil.copy(BENCH / "tools" / "fastpath.py", R / "exposes/rest/fastpath.py")
    edit(
        "exposes/rest/app.py",
        "            Middleware(RequestContextMiddleware, demo=options.demo),\n",
        "            Middleware(RequestContextMiddleware, demo=options.demo),\n            Middleware(HitFastPath, engine=engine),\n",
    )
    edit(
        "exposes/rest/app.py",
        "from iocgate.exposes.rest.endpoint import RestEndpoint\n",
        "from iocgate.exposes.rest.endpoint import RestEndpoint\nfrom iocgate.exposes.rest.fastpath import HitFastPath\n",
    )
    edit(
        "exposes/rest/endpoint.py",
        "        await response(scope, receive, send)\n",
        """        fast = scope.get("iocgate.fastpath")
        if (
            fast is not None
            and result.version is not None
            and result.status == 200
            and result.cache.value == "HIT"
            and isinstance(getattr(response, "body", None), bytes)
        ):
            fast[0].learn(fast[1], result.version, response.body, list(response.raw_headers))
        await response(scope, receive, send)
""",
    )
