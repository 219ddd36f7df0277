"""Flow plans as the engine runs them: concurrency, lookups, mappings, mock mode, failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from iocgate.capability import Operation, load_capability_text, read_source
from iocgate.capability.flows import MAX_FOR_EACH
from iocgate.capability.load import check_capability
from iocgate.engine.flow import StepFailed, run_plan
from iocgate.engine.result import Result
from iocgate.errors import InvalidArgumentError, UpstreamUnavailableError

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the engine runs on asyncio (uvicorn)


CAPABILITY = """
ikanos: "1.0.0-beta5"
info: {display: Flow test}
capability:
  consumes:
    - namespace: fleet
      type: http
      baseUri: "http://127.0.0.1:1/api"
      resources:
        ship: {path: "/ships/{{id}}", operations: {get-ship: {method: GET}}}
        crew: {path: "/crew", operations: {list-crew: {method: GET}}}
        ports: {path: "/ports", operations: {list-ports: {method: GET}}}
  exposes:
    - type: mcp
      namespace: tools
      tools:
        ship-with-crew:
          description: A ship, its crew and its home port
          inputParameters:
            id: {type: string, required: true, description: Ship id}
          steps:
            ship: {type: call, call: fleet.get-ship, with: {id: "SHIP-{{id}}"}}
            crew: {type: call, call: fleet.list-crew}
            ports: {type: call, call: fleet.list-ports}
            members:
              type: lookup
              index: crew
              match: crewId
              lookupValue: "$.ship.crewIds"
              outputParameters: [name]
          mappings:
            - {target: ship.id, value: "$.ship.id"}
            - {target: crew, value: "$.members"}
            - {target: ports, value: "$.ports.0"}
        echo:
          description: Mock
          inputParameters:
            word: {type: string, required: true, description: A word}
          outputParameters:
            said: {type: string, value: "you said {{word}}"}
"""

ANSWERS: dict[str, Any] = {
    "get-ship": {"id": "SHIP-7", "crewIds": ["c2", "c9"]},
    "list-crew": [{"crewId": "c1", "name": "Ada"}, {"crewId": "c2", "name": "Bo"},
                  {"crewId": "c9", "name": "Cy", "secret": "x"}],
    "list-ports": ["Oslo", "Bergen"],
}  # fmt: skip


def _tool(name: str) -> Any:
    capability = load_capability_text(CAPABILITY)
    assert capability.mcp is not None
    return next(t for t in capability.mcp.tools if t.name == name)


class Upstream:
    """Stands in for `Engine.invoke`: answers by operation and records what ran concurrently."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.running = 0
        self.most = 0
        self.calls: list[tuple[str, dict[str, object]]] = []

    async def __call__(self, operation: Operation, arguments: dict[str, object]) -> Result:
        self.calls.append((operation.name, arguments))
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0.02)
        self.running -= 1
        return Result(
            status=self.status, content_type="application/json", operation=operation.name,
            request_id="r", value=ANSWERS[operation.name],
        )  # fmt: skip


async def test_independent_steps_run_together_and_lookups_map_into_the_answer() -> None:
    upstream = Upstream()
    tool = _tool("ship-with-crew")
    answer = await run_plan(tool.flow, {"id": "7"}, upstream)
    assert upstream.most == 3  # ship, crew and ports do not depend on one another
    assert ("get-ship", {"id": "SHIP-7"}) in upstream.calls  # a partial template rendered
    assert answer == {
        "ship": {"id": "SHIP-7"},
        "crew": [{"name": "Bo"}, {"name": "Cy"}],
        "ports": "Oslo",
    }


async def test_mock_mode_renders_values_over_the_inputs_and_calls_nothing() -> None:
    upstream = Upstream()
    assert await run_plan(_tool("echo").flow, {"word": "ahoy"}, upstream) == {
        "said": "you said ahoy"
    }
    assert upstream.calls == []


async def test_an_upstream_error_names_the_step() -> None:
    with pytest.raises(StepFailed) as failed:
        await run_plan(_tool("ship-with-crew").flow, {"id": "7"}, Upstream(status=404))
    assert failed.value.step in {"ship", "crew", "ports"}
    assert failed.value.result.status == 404


async def test_an_engine_error_in_a_step_is_renamed_with_the_step() -> None:
    async def unreachable(operation: Operation, arguments: dict[str, object]) -> Result:
        raise UpstreamUnavailableError("cannot reach the upstream")

    with pytest.raises(UpstreamUnavailableError, match=r"step '\w+' \(fleet\.[\w-]+\): cannot"):
        await run_plan(_tool("ship-with-crew").flow, {"id": "7"}, unreachable)


def test_a_script_step_is_a_start_up_error_naming_the_step_and_the_language() -> None:
    text = CAPABILITY.replace(
        "            ports: {type: call, call: fleet.list-ports}\n",
        "            ports: {type: script, language: javascript, location: x, file: y.js}\n",
    )
    capability, errors = check_capability(read_source(text, "f.yaml"))
    assert errors == [] and capability is not None
    messages = [e.message for e in capability.unsupported]
    assert any("script step 'ports' (javascript)" in m for m in messages), messages


def test_a_lookup_of_a_later_step_is_refused_at_load() -> None:
    text = CAPABILITY.replace("index: crew", "index: nowhere")
    _, errors = check_capability(read_source(text, "f.yaml"))
    assert any("indexes 'nowhere', which is no earlier step" in e.message for e in errors)


AGGREGATE = """
ikanos: "1.0.0-beta5"
info: {display: Aggregate hints}
capability:
  aggregates:
    - namespace: shared
      flows:
        greet:
          description: A greeting
          semantics: {safe: true, idempotent: true}
          inputParameters: {name: {type: string, required: true, description: Who}}
          outputParameters: {greeting: {type: string, value: "hi {{name}}"}}
  exposes:
    - type: mcp
      namespace: tools
      tools:
        inherits: {ref: shared.greet}
        overrides: {ref: shared.greet, hints: {idempotent: false, openWorld: false}}
"""


def test_a_ref_inherits_the_flow_and_its_semantics_as_hints_and_own_hints_win() -> None:
    capability = load_capability_text(AGGREGATE)
    assert capability.mcp is not None
    inherits, overrides = capability.mcp.tools
    assert inherits.description == "A greeting"
    assert [p.name for p in inherits.parameters] == ["name"]
    assert (inherits.hints.readOnly, inherits.hints.destructive) == (True, False)
    assert inherits.hints.idempotent is True
    assert overrides.hints.readOnly is True
    assert (overrides.hints.idempotent, overrides.hints.openWorld) == (False, False)


def test_a_ref_to_no_flow_names_the_known_ones() -> None:
    _, errors = check_capability(
        read_source(AGGREGATE.replace("ref: shared.greet}", "ref: shared.nope}", 1), "a.yaml")
    )
    assert any("'shared.nope' names no aggregate flow (known: shared.greet)" in e.message
               for e in errors)  # fmt: skip


EXTENSIONS = CAPABILITY.replace(
    """        echo:
""",
    """        each-crew-ship:
          description: forEach and when (iocgate extensions)
          inputParameters:
            id: {type: string, required: true, description: Ship id}
            withPorts: {type: boolean, required: false, description: Also list ports}
          steps:
            ship: {type: call, call: fleet.get-ship, with: {id: "{{id}}"}}
            each:
              type: call
              call: fleet.get-ship
              forEach: "$.ship.crewIds"
              as: crewId
              with: {id: "of-{{crewId}}"}
            ports: {type: call, call: fleet.list-ports, when: "{{withPorts}}"}
          mappings:
            - {target: each, value: "$.each"}
            - {target: ports, value: "$.ports"}
        echo:
""",
)


def _extension_tool() -> Any:
    capability = load_capability_text(EXTENSIONS)
    assert capability.mcp is not None
    return next(t for t in capability.mcp.tools if t.name == "each-crew-ship")


async def test_for_each_calls_once_per_item_and_when_skips_a_step() -> None:
    upstream = Upstream()
    answer = await run_plan(_extension_tool().flow, {"id": "7", "withPorts": False}, upstream)
    assert [args for name, args in upstream.calls if name == "get-ship"] == [
        {"id": "7"}, {"id": "of-c2"}, {"id": "of-c9"},
    ]  # fmt: skip
    assert answer == {"each": [ANSWERS["get-ship"]] * 2, "ports": None}
    assert all(name != "list-ports" for name, _ in upstream.calls)
    with_ports = await run_plan(_extension_tool().flow, {"id": "7", "withPorts": True}, upstream)
    assert with_ports["ports"] == ["Oslo", "Bergen"]


async def test_for_each_is_bounded() -> None:
    upstream = Upstream()
    many = dict(ANSWERS["get-ship"], crewIds=[f"c{i}" for i in range(MAX_FOR_EACH + 1)])
    ANSWERS["get-ship"], saved = many, ANSWERS["get-ship"]
    try:
        with pytest.raises(InvalidArgumentError, match=f"at most {MAX_FOR_EACH} calls"):
            await run_plan(_extension_tool().flow, {"id": "7"}, upstream)
    finally:
        ANSWERS["get-ship"] = saved
    assert len(upstream.calls) == 1  # only the step that read the list


def test_a_tool_whose_steps_write_is_not_hinted_read_only() -> None:
    text = CAPABILITY.replace(
        'ports: {path: "/ports", operations: {list-ports: {method: GET}}}',
        'ports: {path: "/ports", operations: {list-ports: {method: POST}}}',
    )
    capability = load_capability_text(text)
    assert capability.mcp is not None
    tools = {t.name: t for t in capability.mcp.tools}
    assert tools["ship-with-crew"].hints.readOnly is False
    assert tools["echo"].hints.readOnly is True


PAGED = """
ikanos: "1.0.0-beta5"
info: {display: Pages}
capability:
  consumes:
    - namespace: log
      type: http
      baseUri: "http://127.0.0.1:1/api"
      resources:
        events:
          path: "/events"
          operations:
            list-events:
              method: GET
              inputParameters: {cursor: {in: query}, limit: {in: query}}
              pagination: {type: cursor, cursorParameter: cursor, nextCursor: "$.meta.cursor",
                           items: "$.data", maxPages: MAX}
  exposes:
    - type: mcp
      namespace: tools
      tools:
        all-events:
          description: Every page of events
          steps:
            events: {type: call, call: log.list-events, with: {limit: 2}}
"""


class Pages:
    """Three pages of two events, chained by cursors, as a cursor-paginated API answers."""

    def __init__(self) -> None:
        self.cursors: list[object] = []

    async def __call__(self, operation: Operation, arguments: dict[str, object]) -> Result:
        cursor = arguments.get("cursor")
        self.cursors.append(cursor)
        page = {None: 0, "p2": 1, "p3": 2}[cursor]  # type: ignore[index]
        body = {"data": [f"e{2 * page + 1}", f"e{2 * page + 2}"],
                "meta": {"cursor": ["p2", "p3", None][page]}}  # fmt: skip
        return Result(status=200, content_type="application/json", operation=operation.name,
                      request_id="r", value=body)  # fmt: skip


def _paged(max_pages: int) -> Any:
    capability = load_capability_text(PAGED.replace("MAX", str(max_pages)))
    assert capability.mcp is not None
    return capability.mcp.tools[0].flow


async def test_a_cursor_paginated_step_gathers_every_page_until_no_cursor() -> None:
    pages = Pages()
    assert await run_plan(_paged(5), {}, pages) == ["e1", "e2", "e3", "e4", "e5", "e6"]
    assert pages.cursors == [None, "p2", "p3"]


async def test_pagination_stops_at_max_pages() -> None:
    pages = Pages()
    assert await run_plan(_paged(2), {}, pages) == ["e1", "e2", "e3", "e4"]
    assert len(pages.cursors) == 2


def test_a_pagination_without_a_known_cursor_parameter_is_refused() -> None:
    text = PAGED.replace("MAX", "3").replace("cursorParameter: cursor", "cursorParameter: page")
    _, errors = check_capability(read_source(text, "p.yaml"))
    assert any("'page' is not a parameter of the operation" in e.message for e in errors)


class LinkedPages(Pages):
    """The same pages chained as VirusTotal does: the next page's URL in ``links.next``."""

    async def __call__(self, operation: Operation, arguments: dict[str, object]) -> Result:
        result = await super().__call__(operation, arguments)
        body = dict(result.data)
        cursor = body.pop("meta")["cursor"]
        body["links"] = {"self": "https://up.example/api/events"}
        if cursor:
            body["links"]["next"] = f"https://up.example/api/events?limit=2&cursor={cursor}"
        return Result(status=200, content_type="application/json", operation=operation.name,
                      request_id="r", value=body)  # fmt: skip


async def test_a_link_body_paginated_step_follows_the_cursor_of_each_next_link() -> None:
    text = PAGED.replace("MAX", "5").replace(
        'nextCursor: "$.meta.cursor"', 'nextLink: "$.links.next"'
    )
    capability = load_capability_text(text)
    assert capability.mcp is not None
    pages = LinkedPages()
    events = await run_plan(capability.mcp.tools[0].flow, {}, pages)
    assert events == ["e1", "e2", "e3", "e4", "e5", "e6"]
    assert pages.cursors == [None, "p2", "p3"]


def test_a_pagination_with_both_or_neither_next_form_is_refused() -> None:
    both = PAGED.replace("MAX", "3").replace(
        'nextCursor: "$.meta.cursor"', 'nextCursor: "$.meta.cursor", nextLink: "$.links.next"'
    )
    _, errors = check_capability(read_source(both, "p.yaml"))
    assert any("exactly one of nextCursor" in e.message for e in errors)


async def test_a_step_with_naming_no_parameter_warns_and_calls_without_it() -> None:
    # The reference engine accepts such a `with` entry (its own embedding fixture has one).
    text = PAGED.replace("MAX", "3").replace("with: {limit: 2}", "with: {limit: 2, name: x}")
    capability, errors = check_capability(read_source(text, "p.yaml"))
    assert errors == []
    assert capability is not None and capability.mcp is not None
    assert any("'name' is not a parameter" in w.message for w in capability.warnings)
    pages = Pages()
    seen: list[dict[str, object]] = []

    async def invoke(operation: Operation, arguments: dict[str, object]) -> Result:
        seen.append(dict(arguments))
        return await pages(operation, arguments)

    await run_plan(capability.mcp.tools[0].flow, {}, invoke)
    assert seen and all("name" not in arguments for arguments in seen)
