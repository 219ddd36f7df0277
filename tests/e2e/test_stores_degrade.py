"""The cache and the quota store are optional (issue #16): a corrupted SQLite file is moved
aside, Redis going away degrades to upstream calls within a budget still enforced, and Redis
coming back empty does not reset the budget."""

from __future__ import annotations

from pathlib import Path

import httpx
import redis

from iocgate.sim import DEMO_PRIVILEGED_KEY, build_corpus
from tests.support.processes import clean_env, free_port, running, sim_process, wait_http
from tests.support.redis_server import RedisServer, redis_server, start_redis  # noqa: F401

CORPUS = build_corpus(1, 30)
ROUTES = [
    f"/v1/files/{CORPUS.pick(kind).sha256}/{what}"
    for kind in ("rich", "poor", "huge")
    for what in ("behaviour_summary", "behaviour_mitre_trees")
]


def serve(tmp_path: Path, upstream: str, *extra: str) -> list[str]:
    rest, mcp = free_port(), free_port()
    return ["serve", "--upstream", upstream, "--rest-port", str(rest), "--mcp-port", str(mcp),
            "--log-format", "json", *extra]  # fmt: skip


def test_a_corrupted_state_file_is_moved_aside_and_answers_are_cached_again(
    tmp_path: Path,
) -> None:
    state = tmp_path / "iocgate"
    state.mkdir()
    (state / "iocgate.sqlite3").write_bytes(b"this is not a database " * 1000)
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY)
    log = tmp_path / "serve.log"
    with sim_process(env) as upstream:
        args = serve(tmp_path, upstream, "--quota", "100/min")
        with running(args, env, stderr_path=log):
            base = f"http://127.0.0.1:{args[args.index('--rest-port') + 1]}"
            wait_http(base + "/healthz")
            answers = [httpx.get(base + ROUTES[0], timeout=30) for _ in range(2)]
            ready = httpx.get(base + "/readyz", timeout=10).json()
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.headers["x-cache"] for a in answers] == ["MISS", "HIT"]
    assert ready["stores"] == {"cache": {"state": "ok", "failures": 0},
                               "quota": {"state": "ok", "failures": 0}}  # fmt: skip
    aside = list(state.glob("iocgate.sqlite3.corrupt-*"))
    assert len(aside) == 1
    assert str(aside[0]) in log.read_text()


def test_redis_down_degrades_to_a_local_budget_and_an_empty_redis_does_not_reset_it(
    tmp_path: Path,
    redis_server: RedisServer,  # noqa: F811 - the fixture
) -> None:
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY, IOCGATE_QUOTA_WAIT="0")
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    shared = f"redis://{redis_server.host}:{redis_server.port}/7"
    log = tmp_path / "serve.log"
    with sim_process(env) as upstream:
        args = serve(tmp_path, upstream, "--quota", "4/min", "--cache", nowhere)
        with running(args, env, stderr_path=log):
            base = f"http://127.0.0.1:{args[args.index('--rest-port') + 1]}"
            wait_http(base + "/healthz")
            down = [httpx.get(base + ROUTES[n % 2], timeout=30) for n in range(5)]
            ready = httpx.get(base + "/readyz", timeout=10)
        args = serve(tmp_path, upstream, "--quota", "4/min", "--cache", shared)
        with running(args, env):
            base = f"http://127.0.0.1:{args[args.index('--rest-port') + 1]}"
            wait_http(base + "/healthz")
            first = [httpx.get(base + path, timeout=30).status_code for path in ROUTES[:4]]
            redis.Redis.from_url(shared).flushdb()  # a restart without persistence
            after = httpx.get(base + ROUTES[4], timeout=30)
    assert [a.status_code for a in down] == [200, 200, 200, 200, 429]
    assert all(a.headers["content-type"] == "application/json" for a in down)
    assert ready.status_code == 200
    assert ready.json()["stores"]["cache"]["state"] == "degraded"
    assert ready.json()["stores"]["quota"]["state"] == "degraded"
    assert "the budget is enforced by this process alone" in log.read_text()
    assert first == [200, 200, 200, 200]
    assert after.status_code == 429


def test_a_fast_path_hit_after_redis_went_away_is_served_from_the_upstream(
    tmp_path: Path,
    redis_server: RedisServer,  # noqa: F811 - skips when Redis is missing
) -> None:
    # Issue #16: with Redis down, a repeated hit was a plain-text 500 with a traceback.
    env = clean_env(tmp_path, VIRUSTOTAL_API_KEY=DEMO_PRIVILEGED_KEY)
    with sim_process(env) as upstream, start_redis() as own:
        args = serve(tmp_path, upstream, "--quota", "unlimited", "--cache", own.url)
        with running(args, env):
            base = f"http://127.0.0.1:{args[args.index('--rest-port') + 1]}"
            wait_http(base + "/healthz")
            hits = [httpx.get(base + ROUTES[0], timeout=30) for _ in range(3)]
            redis.Redis.from_url(own.url).shutdown(nosave=True)
            after = httpx.get(base + ROUTES[0], timeout=30)
    assert [h.headers["x-cache"] for h in hits] == ["MISS", "HIT", "HIT"]
    assert after.status_code == 200
    assert after.headers["x-cache"] == "MISS"
    assert after.headers["content-type"] == "application/json"
    assert "x-request-id" in after.headers
