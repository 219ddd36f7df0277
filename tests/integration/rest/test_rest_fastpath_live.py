"""The REST hit fast path answers only while the engine still holds the answer it learnt.

A repeated GET may be answered by `exposes/rest/fastpath.py` without the router; it asks
`Engine.cached_version` first, so an answer the engine no longer holds (expired) or holds in a
newer version (refreshed) is fetched or served through the full path, never replayed.
"""

from __future__ import annotations

from iocgate.engine import CachePolicy
from iocgate.engine.stores import MemoryCache
from tests.integration.rest.conftest import GatewayFactory

TTL = 3600.0
PLAIN = {"Accept-Encoding": "identity"}  # httpx asks for gzip, which the fast path leaves alone


class Clock:
    def __init__(self) -> None:
        self.now = 2_000_000.0

    def __call__(self) -> float:
        return self.now


def test_an_expired_answer_is_fetched_again_not_replayed(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    path = f"/v1/files/{report_ids['sha256']}/behaviour_summary"
    clock = Clock()
    cache = MemoryCache(clock=clock)
    with start_gateway(cache=cache, clock=clock, cache_policy=CachePolicy(TTL)) as gateway:
        first = gateway.get(path, headers=PLAIN)
        hits = [
            gateway.get(path, headers=PLAIN) for _ in range(3)
        ]  # the second and third: the fast path
        clock.now += 5
        aged = gateway.get(path, headers=PLAIN)
        clock.now += TTL  # past the answer's time to live
        expired = gateway.get(path, headers=PLAIN)
        upstream_calls = gateway.sim.count()
    assert first.headers["x-cache"] == "MISS"
    assert [h.headers["x-cache"] for h in hits] == ["HIT"] * 3
    assert [h.headers["age"] for h in hits] == ["0"] * 3
    assert (aged.headers["x-cache"], aged.headers["age"]) == ("HIT", "5")
    assert aged.content == first.content
    assert expired.headers["x-cache"] == "MISS" and "age" not in expired.headers
    assert upstream_calls == 2


def test_a_refreshed_answer_is_served_in_its_new_version(
    start_gateway: GatewayFactory, report_ids: dict[str, str]
) -> None:
    path = f"/v1/files/{report_ids['sha256']}/behaviour_summary"
    clock = Clock()
    with start_gateway(cache=MemoryCache(clock=clock), clock=clock) as gateway:
        gateway.get(path, headers=PLAIN)
        for _ in range(3):
            gateway.get(path, headers=PLAIN)  # learnt by the fast path
        clock.now += 60
        old = gateway.get(path, headers=PLAIN)
        refreshed = gateway.get(path, headers={"Cache-Control": "no-cache", **PLAIN})
        clock.now += 2
        after = [gateway.get(path, headers=PLAIN) for _ in range(3)]
        upstream_calls = gateway.sim.count()
    assert (old.headers["x-cache"], old.headers["age"]) == ("HIT", "60")
    assert refreshed.headers["x-cache"] == "MISS"
    assert [(a.headers["x-cache"], a.headers["age"]) for a in after] == [("HIT", "2")] * 3
    assert upstream_calls == 2
