"""Our tutorial run like the reference engine's harness: cases, jq rules, `iocgate mock`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.processes import clean_env, mock_process
from tests.support.tutorial_harness import (
    REFERENCE,
    TODAY,
    Case,
    Served,
    check,
    load_cases,
    prepare_tutorial,
    run_case,
    serving,
)

TUTORIAL = Path(__file__).parents[2] / "fixtures" / "tutorial"
CASES = load_cases(TUTORIAL / "alpha2" / "cases.yml")
BETA5_CASES = load_cases(TUTORIAL / "beta5" / "cases.yml")
MICROCKS = "http://localhost:8080"  # where the capability files expect Microcks


class Servers:
    """One `iocgate serve` per capability file, started on first use, stopped at the end."""

    def __init__(self, directory: Path, env: dict[str, str], stack: contextlib.ExitStack) -> None:
        self.directory, self.env, self.stack = directory, env, stack
        self.running: dict[str, Served] = {}

    def __getitem__(self, file: str) -> Served:
        if file not in self.running:
            capability = self.directory / file
            self.running[file] = self.stack.enter_context(
                serving(capability, self.env, extra=("--allow-writes",))
            )
        return self.running[file]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("tutorial")
    env = clean_env(tmp)
    with contextlib.ExitStack() as stack:
        urls = stack.enter_context(mock_process(env, *sorted((TUTORIAL / "openapi").glob("*"))))
        origin = urls["harbour-registry/2.1.0"].split("/rest/")[0]
        directory = prepare_tutorial(TUTORIAL / "alpha2", tmp / "alpha2", {MICROCKS: origin})
        beta5 = prepare_tutorial(TUTORIAL / "beta5", tmp / "beta5", {MICROCKS: origin})
        yield Servers(directory, env, stack)
        # the beta5 files are served by the same mock (module scope: one mock process)
        del beta5


@pytest.fixture(scope="module")
def beta5_servers(servers: Servers) -> Servers:
    return Servers(servers.directory.parent / "beta5", servers.env, servers.stack)


@pytest.fixture(scope="module")
def mcp_token() -> str:
    secrets = yaml.safe_load((TUTORIAL / "alpha2" / "shared" / "secrets.yaml").read_text())
    return str(secrets["mcp-server-token"])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_tutorial_case_answers_what_its_jq_rules_expect(
    case: Case, servers: Servers, mcp_token: str
) -> None:
    data = run_case(case, servers[case.file], REFERENCE, mcp_token)
    assert check(data, case.rules) == [], data


@pytest.mark.parametrize("case", BETA5_CASES, ids=[c.name for c in BETA5_CASES])
def test_beta5_orchestration_case_answers_as_the_reference_workflow_reads_it(
    case: Case, beta5_servers: Servers, mcp_token: str
) -> None:
    """Mock mode, lookups, aggregates, bare arrays and joins, called as the reference does."""
    data = run_case(case, beta5_servers[case.file], REFERENCE, mcp_token)
    assert check(data, case.rules) == [], data


def test_a_failing_rule_is_reported(servers: Servers, mcp_token: str) -> None:
    case = CASES[0]
    data = run_case(case, servers[case.file], TODAY, mcp_token)
    assert check(data, ('.name == "Kestrel"', 'has("mmsi")', "empty")) == [
        '.name == "Kestrel"',
        "empty",
    ]


def test_a_write_is_refused_without_allow_writes(servers: Servers, mcp_token: str) -> None:
    case = next(c for c in CASES if c.name == "writes-book-berth")
    with (
        serving(servers.directory / case.file, servers.env) as served,
        pytest.raises(AssertionError, match="--allow-writes"),
    ):
        run_case(case, served, TODAY, mcp_token)


def test_the_reference_workflow_mcp_call_reaches_a_tool(servers: Servers, mcp_token: str) -> None:
    """POST to the root path, _meta without clientCapabilities, the answer read at content[0]."""
    case = next(c for c in CASES if c.name == "wiring-get-vessel")
    data = run_case(case, servers[case.file], REFERENCE, mcp_token)
    assert check(data, case.rules) == []


@pytest.mark.parametrize("token", [None, "not-the-bound-token"])
def test_the_mcp_adapter_enforces_the_bearer_token_its_capability_declares(
    servers: Servers, token: str | None
) -> None:
    """step-2-auth.yml declares `authentication: bearer` with a token from a file bind."""
    case = next(c for c in CASES if c.name == "auth-get-vessel-with-bound-token")
    served = servers[case.file]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        served.urls[case.port] + "/",
        headers=headers | {"Content-Type": "application/json"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
        timeout=30,
    )
    assert response.status_code == 401


def _beta5_rest(beta5_servers: Servers) -> str:
    return beta5_servers["step-6-orchestration.yml"].urls[3107]


def test_a_flow_calls_upstream_through_the_engine_cache_and_metrics(
    beta5_servers: Servers,
) -> None:
    base = _beta5_rest(beta5_servers)
    for _ in range(2):
        answer = httpx.get(base + "/vessels/215987654/berth", timeout=30)
        assert answer.status_code == 200, answer.text
    metrics = httpx.get(base + "/metrics", timeout=30).text
    # each step is an ordinary invocation: counted, cached (the second flow hit the cache)
    assert 'iocgate_cache_total{operation="get-vessel",result="hit"}' in metrics
    assert 'iocgate_cache_total{operation="list-berths",result="hit"}' in metrics
    assert 'operation="vessel-at-berth"' in metrics  # and the flow itself


def test_a_failing_step_is_named_in_the_answer(beta5_servers: Servers) -> None:
    answer = httpx.get(_beta5_rest(beta5_servers) + "/vessels/000000000/berth", timeout=30)
    assert answer.status_code >= 400
    assert "step 'vessel' (harbour.get-vessel) answered HTTP" in answer.json()["error"]["message"]
