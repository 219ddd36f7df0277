"""The engine: one invocation path from (operation, arguments) to an upstream `Result`."""

from iocgate.engine.artefact_cache import ArtefactCache, StoredArtefact
from iocgate.engine.backends import (
    describe_store,
    is_redis,
    open_budget_store,
    open_cache,
    open_quota,
)
from iocgate.engine.budget import Budget, Window, WindowUsage, parse_budget
from iocgate.engine.cache import Cache, CachedResponse, CachePolicy, NullCache
from iocgate.engine.clients import PerClientQuota, half_budget
from iocgate.engine.extensions import (
    PluginContext,
    PluginResource,
    PluginResponse,
    PluginRoute,
    PluginTool,
    ResourceHandler,
    RouteHandler,
    ToolOutput,
    routes_public,
)
from iocgate.engine.flight import SingleFlight
from iocgate.engine.formats import is_binary, is_converted
from iocgate.engine.hooks import Plugin, Plugins
from iocgate.engine.invoke import CacheMode, Caller, Engine, LoadedCapability
from iocgate.engine.mapping import apply_output_mapping
from iocgate.engine.memory_cache import MemoryCache
from iocgate.engine.observer import NullObserver, Observer
from iocgate.engine.quota import BudgetQuota, BudgetStore, MemoryBudgetStore, Quota, UnlimitedQuota
from iocgate.engine.redis_store import RedisBudgetStore, RedisCache, connect_redis
from iocgate.engine.request import (
    UpstreamRequest,
    build_upstream_request,
    new_request_id,
    redact,
    request_id_from,
)
from iocgate.engine.result import ByteStream, CacheStatus, QuotaStatus, Result
from iocgate.engine.retry import RetryPolicy, parse_retry_after
from iocgate.engine.sqlite_store import SqliteBudgetStore, SqliteCache, SqliteDatabase
from iocgate.engine.upstream import UpstreamClient, UpstreamSettings
from iocgate.engine.writes import WritePolicy

__all__ = [
    "ArtefactCache",
    "Budget",
    "BudgetQuota",
    "BudgetStore",
    "ByteStream",
    "Cache",
    "CacheMode",
    "CachePolicy",
    "CacheStatus",
    "CachedResponse",
    "Caller",
    "Engine",
    "LoadedCapability",
    "MemoryBudgetStore",
    "MemoryCache",
    "NullCache",
    "NullObserver",
    "Observer",
    "PerClientQuota",
    "Plugin",
    "PluginContext",
    "PluginResource",
    "PluginResponse",
    "PluginRoute",
    "PluginTool",
    "Plugins",
    "Quota",
    "QuotaStatus",
    "RedisBudgetStore",
    "RedisCache",
    "ResourceHandler",
    "Result",
    "RetryPolicy",
    "RouteHandler",
    "SingleFlight",
    "SqliteBudgetStore",
    "SqliteCache",
    "SqliteDatabase",
    "StoredArtefact",
    "ToolOutput",
    "UnlimitedQuota",
    "UpstreamClient",
    "UpstreamRequest",
    "UpstreamSettings",
    "Window",
    "WindowUsage",
    "WritePolicy",
    "apply_output_mapping",
    "build_upstream_request",
    "connect_redis",
    "describe_store",
    "half_budget",
    "is_binary",
    "is_converted",
    "is_redis",
    "new_request_id",
    "open_budget_store",
    "open_cache",
    "open_quota",
    "parse_budget",
    "parse_retry_after",
    "redact",
    "request_id_from",
    "routes_public",
]
