"""One gateway replica in its own process, for the many-replicas tests.

``python -m tests.support.replica_runner '<json>'`` builds an engine on the seed capability
whose cache, single flight and quota live in Redis, prints ``ready``, waits for a line on
stdin (so that replicas started one after the other fire together), invokes one operation
for each of ``ids`` concurrently, and prints one JSON line per answer on stdout.

The JSON argument: ``upstream``, ``key``, ``redis``, ``prefix``, ``quota`` (e.g. ``4/min``),
``minute_seconds``, ``margin_seconds``, ``quota_wait``, ``tool``, ``argument`` (the tool's id
argument) and ``ids``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import anyio
import anyio.to_thread

from iocgate.capability import load_capability, resolve_binds
from iocgate.engine import Caller, Engine, LoadedCapability, Plugins, RetryPolicy
from iocgate.engine.quota import BudgetQuota, parse_budget
from iocgate.engine.stores.redis import RedisBudgetStore, RedisCache, connect_redis
from iocgate.errors import IocgateError
from iocgate.virustotal import DEFAULT_CAPABILITY, VirusTotalPlugin


def build_engine(spec: dict[str, Any]) -> Engine:
    capability = load_capability(DEFAULT_CAPABILITY)
    binds = resolve_binds(
        capability.binds,
        capability_file=capability.name,
        environ={"VIRUSTOTAL_API_KEY": spec["key"]},
    )
    loaded = LoadedCapability(
        capability, binds, Plugins([VirusTotalPlugin()]), base_uri=spec["upstream"]
    )
    budget = parse_budget(
        spec["quota"], minute_seconds=spec["minute_seconds"], margin_seconds=spec["margin_seconds"]
    )
    store = RedisBudgetStore(connect_redis(spec["redis"]), prefix=spec["prefix"])
    return Engine(
        [loaded],
        cache=RedisCache(connect_redis(spec["redis"]), prefix=spec["prefix"]),
        quota=BudgetQuota(budget, store, max_wait=spec["quota_wait"]),
        retry=RetryPolicy.disabled(),  # an upstream 429 must show, not be retried away
    )


async def run(spec: dict[str, Any]) -> None:
    engine = build_engine(spec)
    operation, tool = engine.find(spec["tool"])
    lines: list[dict[str, Any]] = []

    async def one(value: str) -> None:
        started = time.time()
        try:
            result = await engine.invoke(
                operation, {spec["argument"]: value}, call=tool, caller=Caller(adapter="replica")
            )
            lines.append(
                {"id": value, "status": result.status, "cache": result.cache.value,
                 "error": result.error_code, "started": started, "ended": time.time()}
            )  # fmt: skip
        except IocgateError as exc:
            retry_after = getattr(exc, "retry_after", None)
            lines.append(
                {"id": value, "status": exc.status, "cache": None, "error": exc.code,
                 "retry_after": retry_after, "started": started, "ended": time.time()}
            )  # fmt: skip

    try:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await anyio.to_thread.run_sync(sys.stdin.readline)
        async with anyio.create_task_group() as group:
            for value in spec["ids"]:
                group.start_soon(one, value)
    finally:
        await engine.aclose()
    for line in lines:
        sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    anyio.run(run, json.loads(sys.argv[1]))
