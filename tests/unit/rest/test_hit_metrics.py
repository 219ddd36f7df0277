"""Invocation metrics counted in plain numbers (exposes/metrics.py `_Deferred`): /metrics shows
exactly what updating the prometheus children on every request shows."""

from __future__ import annotations

import random

from iocgate.exposes.metrics import FLUSH_EVERY, Metrics


def scrape(metrics: Metrics) -> list[str]:
    """The exposition without its ``_created`` samples (the time each registry was made)."""
    lines = metrics.exposition().decode().splitlines()
    return [line for line in lines if "_created" not in line and "gc_tracked" not in line]


def invocations(count: int, seed: int) -> list[tuple[str, str, int, str, float]]:
    rng = random.Random(seed)
    kinds = [
        ("rest", "get-summary", 200, "HIT"),
        ("rest", "get-summary", 200, "MISS"),
        ("rest", "get-report", 404, "BYPASS"),
        ("mcp", "get-summary", 200, "HIT"),
        ("rest", "healthz", 200, "-"),
    ]
    # Durations across every bucket, bounds themselves included.
    durations = [0.001, 0.0025, 0.05, 60.0, 61.0]
    return [
        (*rng.choice(kinds), rng.choice([rng.uniform(0, 0.3), rng.choice(durations)]))
        for _ in range(count)
    ]


def test_deferred_counts_scrape_exactly_as_counting_each_request_does() -> None:
    deferred, direct = Metrics(), Metrics(defer=False)
    calls = invocations(FLUSH_EVERY + 1500, seed=7)  # one flush on the way, then a scrape
    for adapter, operation, status, cache, seconds in calls:
        for metrics in (deferred, direct):
            metrics.invocation_started(adapter, operation)
            metrics.invocation_finished(adapter, operation, status, cache, seconds)
    for metrics in (deferred, direct):
        metrics.invocation_started("rest", "get-summary")  # one still running at the scrape
    assert scrape(deferred) == scrape(direct)
    text = "\n".join(scrape(deferred))
    assert 'iocgate_requests_in_flight{adapter="rest"} 1.0' in text
    hits = sum(1 for c in calls if c[:4] == ("rest", "get-summary", 200, "HIT"))
    assert (
        'iocgate_requests_total{adapter="rest",cache="HIT",operation="get-summary",status="200"} '
        f"{float(hits)}" in text
    )
    # And again after more requests: the next scrape adds only what came since.
    for adapter, operation, status, cache, seconds in invocations(300, seed=8):
        for metrics in (deferred, direct):
            metrics.invocation_started(adapter, operation)
            metrics.invocation_finished(adapter, operation, status, cache, seconds)
    assert scrape(deferred) == scrape(direct)
