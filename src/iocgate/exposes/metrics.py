"""Prometheus metrics (prometheus-client): what every adapter and the engine did, at /metrics.

No label ever carries a hash, a sandbox id, a token or the key: only the adapter, the
operation's name from the capability, status codes and cache outcomes.

Under ``serve --workers N`` every worker writes its samples to files in a directory the
supervisor shares (prometheus-client's multiprocess mode), and any worker's /metrics shows the
sum over all workers, dead ones included; ``iocgate_worker_requests_total{worker="i"}`` tells
the workers apart.
"""

from __future__ import annotations

import gc
import os
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import anyio
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from iocgate.engine import QuotaStatus

__all__ = ["Metrics"]


class _Front(Protocol):
    hits: int
    misses: int
    max_bytes: int

    @property
    def size_bytes(self) -> int: ...


_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
#: Stalls: how late a timer fires, how long a collection holds every request.
_STALL_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
#: The loop-lag probe's period: a timer this often costs nothing measurable.
LAG_INTERVAL = 0.025
#: Invocations counted in plain numbers before they are added to the prometheus children
#: (`_Deferred`); /metrics adds them first, whatever their number.
FLUSH_EVERY = 4096


class Metrics:
    """One registry per gateway; implements the engine's `Observer` protocol.

    ``shared_dir`` and ``worker``: this process is worker ``worker`` of several whose samples
    meet in ``shared_dir`` (a directory no other program uses, empty when the first starts).
    """

    def __init__(
        self, *, shared_dir: str | None = None, worker: int | None = None, defer: bool = True
    ) -> None:
        self.shared_dir = shared_dir
        if shared_dir is not None:
            # Samples go to files in shared_dir (named by pid) instead of this process's memory.
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared_dir
            values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "iocgate_requests_total",
            "Invocations by adapter, operation, status and cache outcome.",
            ["adapter", "operation", "status", "cache"],
            registry=r,
        )
        self.latency = Histogram(
            "iocgate_request_duration_seconds",
            "Time to answer an invocation (until the body starts for streams).",
            ["adapter", "operation"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "iocgate_requests_in_flight",
            "Invocations being answered.",
            ["adapter"],
            registry=r,
            multiprocess_mode="livesum",
        )
        self.upstream = Counter(
            "iocgate_upstream_requests_total",
            "Calls made to the upstream, by operation and status.",
            ["operation", "status"],
            registry=r,
        )
        self.upstream_latency = Histogram(
            "iocgate_upstream_duration_seconds",
            "Upstream response time (headers).",
            ["operation"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.cache = Counter(
            "iocgate_cache_total", "Cache outcomes.", ["operation", "result"], registry=r
        )
        self.retries = Counter(
            "iocgate_upstream_retries_total", "Retried upstream calls.", ["operation"], registry=r
        )
        self.quota_remaining = Gauge(
            "iocgate_quota_remaining",
            "Upstream calls left in each quota window (absent when unlimited).",
            ["window"],
            registry=r,
            multiprocess_mode="mostrecent",  # one budget for all workers: the latest word
        )
        self.quota_used = Counter(
            "iocgate_quota_used_total", "Quota units spent on upstream calls.", registry=r
        )
        self.loop_lag = Histogram(
            "iocgate_event_loop_lag_seconds",
            f"How late a {LAG_INTERVAL * 1000:g} ms timer fires on the event loop: the time "
            "every request waited behind work that did not yield.",
            buckets=_STALL_BUCKETS,
            registry=r,
        )
        self.gc_pause = Histogram(
            "iocgate_gc_pause_seconds",
            "Garbage-collection pauses (the event loop stands still), by generation.",
            ["generation"],
            buckets=_STALL_BUCKETS,
            registry=r,
        )
        self.gc_tracked = Gauge(
            "iocgate_gc_tracked_objects",
            "Objects a full garbage collection walks now (start-up's are frozen out of it).",
            registry=r,
            multiprocess_mode="liveall",
        )
        self._gc_started = 0.0
        self._front: _Front | None = None
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}
        self._finished: dict[tuple[str, str, int, str], tuple[Any, Any, Any, tuple[Any, ...]]] = {}
        self.worker = None if worker is None else str(worker)
        self.worker_requests = Counter(
            "iocgate_worker_requests_total",
            "Invocations answered, by worker (serve --workers).",
            ["worker"],
            registry=r if worker is not None else None,
        )
        # Workers share samples through files that another worker's scrape reads: no deferral.
        self._deferred = _Deferred() if defer and shared_dir is None else None

    def _child(self, metric: Any, *values: str) -> Any:
        """``metric.labels(*values)``, looked up once: prometheus-client validates and locks on
        every call, 4% of a cached REST hit's CPU (bench/results/results.md profiles)."""
        key = (id(metric), values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    # Observer protocol -------------------------------------------------------------------
    def invocation_started(self, adapter: str, operation: str) -> None:
        if self._deferred is not None:
            started = self._deferred.started
            started[adapter] = started.get(adapter, 0) + 1
        else:
            self._child(self.in_flight, adapter).inc()

    def invocation_finished(
        self, adapter: str, operation: str, status: int, cache: str, seconds: float
    ) -> None:
        key = (adapter, operation, status, cache)
        children = self._finished.get(key)
        if children is None:  # one lookup per request instead of five (a cached hit's CPU)
            children = self._finished[key] = self._finished_children(*key)
        deferred = self._deferred
        if deferred is not None:
            deferred.finished(children, seconds)
            if deferred.pending >= FLUSH_EVERY:
                self._flush()
            return
        in_flight, requests, latency, counted = children
        in_flight.dec()
        requests.inc()
        latency.observe(seconds)
        for counter in counted:
            counter.inc()

    def _flush(self) -> None:
        if self._deferred is not None:
            self._deferred.flush(lambda adapter: self._child(self.in_flight, adapter))

    def _finished_children(
        self, adapter: str, operation: str, status: int, cache: str
    ) -> tuple[Any, Any, Any, tuple[Any, ...]]:
        counted = []
        if cache in ("HIT", "MISS"):
            counted.append(self._child(self.cache, operation, cache.lower()))
        if self.worker is not None:
            counted.append(self._child(self.worker_requests, self.worker))
        return (
            self._child(self.in_flight, adapter),
            self._child(self.requests, adapter, operation, str(status), cache),
            self._child(self.latency, adapter, operation),
            tuple(counted),
        )

    def upstream_call(self, operation: str, status: int, seconds: float) -> None:
        self.upstream.labels(operation, str(status)).inc()
        self.upstream_latency.labels(operation).observe(seconds)

    def retry(self, operation: str) -> None:
        self.retries.labels(operation).inc()

    def quota(self, status: QuotaStatus) -> None:
        self.quota_used.inc()
        for window, value in (
            ("minute", status.remaining_minute),
            ("day", status.remaining_day),
            ("month", status.remaining_month),
        ):
            if value is not None:
                self.quota_remaining.labels(window).set(value)

    # Stalls --------------------------------------------------------------------------------
    async def watch_loop(self, interval: float = LAG_INTERVAL) -> None:
        """Until cancelled: observe how late each ``interval`` timer fires."""
        while True:
            started = time.perf_counter()
            await anyio.sleep(interval)
            self.loop_lag.observe(max(0.0, time.perf_counter() - started - interval))

    def watch_gc(self) -> None:
        """Time every collection from now on (`stop_watching_gc` undoes it)."""
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)

    def stop_watching_gc(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            pause = time.perf_counter() - self._gc_started
            self.gc_pause.labels(str(info["generation"])).observe(pause)

    # The cache's in-memory front ---------------------------------------------------------
    def watch_front(self, cache: Any) -> None:
        """Report the in-memory part of ``cache`` (the SQLite cache's front, or the memory
        cache itself): its bytes, its bound and its lookups, read at scrape time."""
        front = getattr(cache, "front", cache)
        if all(hasattr(front, name) for name in ("hits", "misses", "size_bytes", "max_bytes")):
            self._front = front
            if self.shared_dir is None:
                self.registry.register(_FrontCollector(front, None))

    # Exposition ----------------------------------------------------------------------------
    def exposition(self) -> bytes:
        """The text format: this process's registry, or every worker's samples summed."""
        self.gc_tracked.set(len(gc.get_objects()))  # O(objects): at scrape time only
        self._flush()
        if self.shared_dir is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.shared_dir)  # type: ignore[no-untyped-call]
        if self._front is not None:  # each worker's front is its own: the answering one's
            registry.register(_FrontCollector(self._front, self.worker))
        return generate_latest(registry)

    @staticmethod
    def forget_process(shared_dir: str, pid: int) -> None:
        """A worker ended: its live gauges (in flight) leave the sums; its counters stay."""
        from prometheus_client.multiprocess import mark_process_dead

        mark_process_dead(pid, shared_dir)  # type: ignore[no-untyped-call]

    def route(self, path: str = "/metrics") -> Route:
        async def metrics(request: Request) -> Response:
            return Response(self.exposition(), media_type=CONTENT_TYPE_LATEST)

        return Route(path, metrics, methods=["GET"])


class _FrontCollector(Collector):
    """The front's figures as they are at scrape time (they live in the cache, not here)."""

    def __init__(self, front: _Front, worker: str | None) -> None:
        self.front = front
        self.labels = {"worker": worker} if worker is not None else {}

    def collect(self) -> Iterable[Metric]:
        names, values = list(self.labels), list(self.labels.values())
        size = GaugeMetricFamily(
            "iocgate_cache_front_bytes", "Answer bytes held in memory now.", labels=names
        )
        size.add_metric(values, self.front.size_bytes)
        bound = GaugeMetricFamily(
            "iocgate_cache_front_max_bytes", "The in-memory front's bound.", labels=names
        )
        bound.add_metric(values, self.front.max_bytes)
        lookups = CounterMetricFamily(
            "iocgate_cache_front_lookups",
            "Lookups in the in-memory front since start, by result (hit rate = hit / all).",
            labels=[*names, "result"],
        )
        lookups.add_metric([*values, "hit"], self.front.hits)
        lookups.add_metric([*values, "miss"], self.front.misses)
        return [size, bound, lookups]


class _Deferred:
    """A single process's invocation metrics in plain numbers, added to the prometheus children
    at scrape time: their locks and bucket search were ~3 us of a cached REST hit's CPU
    (bench/FINDINGS.md round 5). /metrics shows the same samples: a histogram's sum is kept
    here, added in the order of the observations, exactly as `Histogram.observe` would. Only
    the event loop's thread calls the observer and scrapes, so plain numbers need no lock."""

    def __init__(self) -> None:
        self.started: dict[str, int] = {}
        self.pending = 0
        self._finished: dict[int, tuple[tuple[Any, Any, Any, tuple[Any, ...]], list[int]]] = {}
        self._sums: dict[int, list[float]] = {}  # latency child -> [sum of every observation]
        self._buckets: dict[int, list[int]] = {}  # latency child -> observations per bucket

    def finished(self, children: tuple[Any, Any, Any, tuple[Any, ...]], seconds: float) -> None:
        entry = self._finished.get(id(children))
        if entry is None:
            entry = self._finished[id(children)] = (children, [0])
        entry[1][0] += 1
        latency = children[2]
        key = id(latency)
        total = self._sums.get(key)
        if total is None:
            total = self._sums[key] = [latency._sum.get()]
            self._buckets[key] = [0] * len(latency._upper_bounds)
        total[0] += seconds
        self._buckets[key][bisect_left(latency._upper_bounds, seconds)] += 1
        self.pending += 1

    def flush(self, in_flight: Callable[[str], Any]) -> None:
        started, self.started = self.started, {}
        finished, self._finished = self._finished, {}
        self.pending = 0
        for adapter, count in started.items():
            in_flight(adapter).inc(count)
        for children, (count,) in finished.values():
            gauge, requests, latency, counted = children
            gauge.dec(count)
            requests.inc(count)
            for counter in counted:
                counter.inc(count)
            key = id(latency)
            if key in self._sums:
                latency._sum.set(self._sums[key][0])
                buckets = self._buckets[key]
                for index, observed in enumerate(buckets):
                    if observed:
                        latency._buckets[index].inc(observed)
                        buckets[index] = 0
