"""`investigate`: fetch what a brief needs through `Engine.invoke`, within a stated budget.

Built only on `Engine.invoke`, so the cache, single flight and the quota scheduler apply to
every request. Order: the first page of sandbox reports (its ``meta.count`` makes the plan
exact, and a 404 there means VirusTotal does not know the file), then the summary, the MITRE
trees and any further pages concurrently.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio

from iocgate.capability import Operation
from iocgate.engine import CacheMode, CacheStatus, Caller, Engine, QuotaStatus, Result
from iocgate.errors import IocgateError, NotFoundError, UpstreamUnavailableError
from iocgate.virustotal.ids import BEHAVIOUR_RELATIONSHIPS, check_argument
from iocgate.virustotal.investigate.brief import build_brief, data_of
from iocgate.virustotal.investigate.errors import OverBudgetError, error_for_result
from iocgate.virustotal.investigate.model import Brief, Cost
from iocgate.virustotal.investigate.plan import (
    PAGE_SIZE,
    Plan,
    Progress,
    ProgressCallback,
    plan,
)
from iocgate.virustotal.investigate.reports import Report, parse_reports

__all__ = [
    "MAX_PAGES",
    "OPERATIONS",
    "OPTIONAL_OPERATIONS",
    "check_hash",
    "estimate_plan",
    "investigate",
    "next_steps",
    "page_arguments",
]

OPERATIONS = {
    "summary": "fileAllBehavioursSummary",
    "trees": "getASummaryOfAllMitreAttckTechniquesObservedInAFile",
    "reports": "getAllBehaviorReportsForAFile",
}
"""The consumed operations an investigation invokes, by role."""

OPTIONAL_OPERATIONS = {
    "file": "getAFileReport",
    "analyse": "requestAFileRescan",
}
"""Operations used when a served capability declares them (the embedded companion does):
the file object, fetched beside the behaviour, and the re-analysis offered as a next step."""

MAX_PAGES = 50
"""A bound on report pages (2,000 reports), so a cursor that never ends cannot drain a quota."""


def check_hash(file_hash: str) -> None:
    """Refuse anything but an MD5, SHA-1 or SHA-256 before a single call is made."""
    check_argument("/files/{id}", "id", file_hash, BEHAVIOUR_RELATIONSHIPS)


def _operations(engine: Engine) -> dict[str, Operation]:
    operations = {role: engine.find(name)[0] for role, name in OPERATIONS.items()}
    for role, name in OPTIONAL_OPERATIONS.items():
        with contextlib.suppress(NotFoundError):
            operations[role] = engine.find(name)[0]
    return operations


def page_arguments(
    operation: Operation, file_hash: str, cursor: str | None = None
) -> dict[str, object] | None:
    """Arguments for a page of sandbox reports; None when the next page cannot be asked for.

    The embedded seed capability declares only ``id`` for this operation (no ``limit`` or
    ``cursor``, though VirusTotal accepts both, vt-api.md §3.1): then the first page, at
    VirusTotal's default size, is all an investigation can read, and the brief says so.
    """
    declared = {parameter.name for parameter in operation.parameters}
    arguments: dict[str, object] = {"id": file_hash}
    if "limit" in declared:
        arguments["limit"] = PAGE_SIZE
    if cursor is not None:
        if "cursor" not in declared:
            return None
        arguments["cursor"] = cursor
    return arguments


async def _cached_keys(engine: Engine, file_hash: str) -> set[str]:
    operations = _operations(engine)
    first_page = page_arguments(operations["reports"], file_hash)
    assert first_page is not None
    requests: dict[str, tuple[Operation, Mapping[str, object]]] = {
        "summary": (operations["summary"], {"id": file_hash}),
        "trees": (operations["trees"], {"id": file_hash}),
        "page1": (operations["reports"], first_page),
    }
    if "file" in operations:
        requests["file"] = (operations["file"], {"id": file_hash})
    return {
        key
        for key, (operation, arguments) in requests.items()
        if await engine.is_cached(operation, arguments)
    }


async def estimate_plan(engine: Engine, file_hash: str) -> Plan:
    """The plan before any call: "at least 3", less what the cache already holds."""
    check_hash(file_hash)
    return plan(
        cached=len(await _cached_keys(engine, file_hash)),
        with_file="file" in _operations(engine),
    )


@dataclass
class _Run:
    """The bookkeeping of one investigation: calls made, cache hits, the current plan."""

    engine: Engine
    operations: dict[str, Operation]
    caller: Caller
    progress: ProgressCallback | None
    max_calls: int | None
    current: Plan
    requests: int = 0
    upstream_calls: int = 0
    hits: int = 0
    # Requests the estimate found cached and that have not been made yet: planned as free.
    expected_hits: set[str] = field(default_factory=set)
    quota: QuotaStatus | None = None
    pages: int = 0
    reports: list[Report] = field(default_factory=list)
    unread_reports: int = 0  # reports listed beyond the pages the capability lets us ask for

    def replan(self, *, reports: int | None, pages_at_least: int = 1) -> None:
        if reports == 0:
            # Page 1 listed no report: summary and trees will not be asked for (#22.8).
            self.expected_hits -= {"summary", "trees"}
        self.current = plan(
            reports=reports,
            pages_at_least=pages_at_least,
            cached=self.hits + len(self.expected_hits),
            spent=self.upstream_calls,
            with_file="file" in self.operations,
        )
        if self.current.exceeds(self.max_calls):
            raise OverBudgetError(
                f"this investigation needs {self.current.describe()}, more than --max-calls "
                f"{self.max_calls} allows ({self.upstream_calls} already made); raise "
                "--max-calls or wait for the cache"
            )

    def emit(self, step: str | None, cache: CacheStatus | None = None) -> None:
        if self.progress is not None:
            self.progress(
                Progress(
                    plan=self.current,
                    done=self.requests,
                    upstream_calls=self.upstream_calls,
                    step=step,
                    cache=cache.value if cache is not None else None,
                )
            )

    async def call(
        self, role: str, arguments: Mapping[str, object], step: str, *, key: str | None = None
    ) -> Result:
        result = await self.engine.invoke(self.operations[role], arguments, caller=self.caller)
        self.expected_hits.discard(key or "")
        self.requests += 1
        if result.cache is CacheStatus.HIT:
            self.hits += 1
        else:
            self.upstream_calls += 1
        if result.quota is not None:
            self.quota = result.quota
        self.emit(step, result.cache)
        if result.stream is not None:
            await result.stream.aclose()
            raise UpstreamUnavailableError(f"{step}: the upstream answered with bytes, not JSON")
        return result

    def cost(self, planned: Plan) -> Cost:
        return Cost(
            planned=planned.describe(),
            upstream_calls=self.upstream_calls,
            cache_hits=self.hits,
            requests=self.requests,
            report_pages=self.pages,
            quota_policy=self.quota.policy if self.quota else None,
            quota_remaining_minute=self.quota.remaining_minute if self.quota else None,
            quota_remaining_day=self.quota.remaining_day if self.quota else None,
            quota_remaining_month=self.quota.remaining_month if self.quota else None,
        )


def _meta(body: object) -> tuple[int | None, str | None]:
    meta = body.get("meta") if isinstance(body, Mapping) else None
    if not isinstance(meta, Mapping):
        return None, None
    count = meta.get("count")
    cursor = meta.get("cursor")
    return (
        count if isinstance(count, int) and not isinstance(count, bool) else None,
        cursor if isinstance(cursor, str) and cursor else None,
    )


@contextlib.contextmanager
def _first_error() -> Iterator[None]:
    """Re-raise the first `IocgateError` of a task group's exception group, unwrapped."""
    try:
        yield
    except BaseExceptionGroup as group:
        for error in _leaves(group):
            if isinstance(error, IocgateError):
                raise error from None
        raise


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from _leaves(error)
        else:
            yield error


async def _pages(run: _Run, file_hash: str, cursor: str | None, count: int | None) -> None:
    seen_cursors: set[str] = set()
    while cursor is not None and cursor not in seen_cursors and run.pages < MAX_PAGES:
        seen_cursors.add(cursor)
        arguments = page_arguments(run.operations["reports"], file_hash, cursor)
        if arguments is None:
            break
        result = await run.call("reports", arguments, f"sandbox reports, page {run.pages + 1}")
        if result.is_error:
            raise error_for_result(result, f"sandbox reports of {file_hash}, page {run.pages + 1}")
        run.pages += 1
        run.reports.extend(parse_reports(data_of(result.data)))
        _, cursor = _meta(result.data)
        if count is None or (cursor is not None and run.pages >= run.current.pages):
            # No count, or more pages than the count promised: the plan is a lower bound again.
            run.replan(reports=None, pages_at_least=run.pages + (cursor is not None))
            run.emit(None)


async def _optional(run: _Run, role: str, file_hash: str, step: str, into: dict[str, Any]) -> None:
    result = await run.call(role, {"id": file_hash}, step, key=role)
    if result.status in (403, 404) and role == "file":
        into[role] = {}  # context only: a key without access to it still gets the behaviour
        return
    if result.status == 404:
        into[role] = {}  # the file is known (page 1 answered): no summary means no behaviour
        return
    if result.is_error:
        raise error_for_result(result, f"{step} of {file_hash}")
    data = data_of(result.data)
    into[role] = data if isinstance(data, Mapping) else {}


async def investigate(
    engine: Engine,
    file_hash: str,
    *,
    progress: ProgressCallback | None = None,
    max_calls: int | None = None,
    caller: Caller | None = None,
    sandbox: str | None = None,
    include_noise: bool = False,
) -> Brief:
    """Investigate ``file_hash`` (MD5, SHA-1 or SHA-256) and return its `Brief`.

    Raises `InvalidArgumentError` for a malformed hash (before any call), `NotFoundError` when
    VirusTotal does not know the file, `OverBudgetError` when the plan needs more than
    ``max_calls`` upstream calls, and the upstream's error otherwise. A known file without
    behaviour data gives a brief that says so. ``sandbox`` restricts the brief to one
    sandbox's report (the calls made are the same). ``include_noise`` keeps the indicators
    classed as noise (benign infrastructure, Windows background activity) in the brief.
    """
    file_hash = file_hash.strip()
    check_hash(file_hash)
    operations = _operations(engine)
    caller = caller or Caller(adapter="investigate")
    # Only a caller that reads the cache gets cached answers for free.
    use_cache = caller.cache_mode is CacheMode.USE
    expected_hits = await _cached_keys(engine, file_hash) if use_cache else set()
    run = _Run(
        engine=engine,
        operations=operations,
        caller=caller,
        progress=progress,
        max_calls=max_calls,
        current=plan(cached=len(expected_hits)),
        expected_hits=expected_hits,
    )
    run.replan(reports=None)
    run.emit(None)
    first_page = page_arguments(operations["reports"], file_hash)
    assert first_page is not None
    result = await run.call("reports", first_page, "sandbox reports, page 1", key="page1")
    if result.status == 404:
        raise NotFoundError(
            f"VirusTotal does not know the file {file_hash}: {result.error_message or 'not found'}"
        )
    if result.is_error:
        raise error_for_result(result, f"sandbox reports of {file_hash}")
    run.pages = 1
    run.reports.extend(parse_reports(data_of(result.data)))
    count, cursor = _meta(result.data)
    if cursor is not None and page_arguments(operations["reports"], file_hash, cursor) is None:
        run.unread_reports = (count or len(run.reports)) - len(run.reports)
        count, cursor = len(run.reports), None
    if cursor is None and (count is None or not run.reports):
        count = len(run.reports)  # one page and no more: the count is what it holds
    run.replan(reports=count, pages_at_least=2 if cursor else 1)
    run.emit(None)
    answers: dict[str, Any] = {}
    with _first_error():
        async with anyio.create_task_group() as group:
            if "file" in operations:
                group.start_soon(_optional, run, "file", file_hash, "file object", answers)
            if count != 0:  # an empty first page ends it: nothing to summarise (#22.8)
                group.start_soon(_optional, run, "summary", file_hash, "behaviour summary", answers)
                group.start_soon(_optional, run, "trees", file_hash, "MITRE ATT&CK trees", answers)
                group.start_soon(_pages, run, file_hash, cursor, count)
    return build_brief(
        file_hash,
        summary=answers.get("summary"),
        trees=answers.get("trees"),
        reports=run.reports,
        cost=run.cost(run.current),
        sandbox=sandbox,
        unread_reports=run.unread_reports,
        file_object=answers.get("file"),
        next_steps=next_steps(file_hash, operations, has_reports=bool(run.reports)),
        include_noise=include_noise,
    )


def next_steps(
    file_hash: str, operations: Mapping[str, Operation], *, has_reports: bool
) -> tuple[str, ...]:
    """What to do when the data runs out: ask for a new analysis where the upstream can."""
    if has_reports or "analyse" not in operations:
        return ()
    return (
        "Ask VirusTotal to analyse the file again, then investigate it later: "
        f"POST /v1/files/{file_hash}/analyse, the MCP tool reanalyse-file, or "
        f"`iocgate call {operations['analyse'].name} id={file_hash}`. It is a write: the "
        "gateway refuses it unless started with --allow-writes.",
    )
