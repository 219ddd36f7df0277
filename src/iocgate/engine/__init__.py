"""The engine: one invocation path from (operation, arguments) to an upstream `Result`.

These names are what adapters and plugins use: the engine, who calls it, what it answers, and
the policies it is built with. Storage backends are in `iocgate.engine.stores`, the quota
scheduler in `iocgate.engine.quota`; other helpers are imported from their own module.
"""

from iocgate.engine.extensions import (
    PluginContext,
    PluginResource,
    PluginResponse,
    PluginRoute,
    PluginTool,
)
from iocgate.engine.formats import is_binary, is_converted
from iocgate.engine.hooks import Plugin, Plugins
from iocgate.engine.invoke import CachedVersion, CacheMode, Caller, Engine, LoadedCapability
from iocgate.engine.observer import Observer
from iocgate.engine.request import new_request_id, request_id_from
from iocgate.engine.result import ByteStream, CacheStatus, QuotaStatus, Result
from iocgate.engine.retry import RetryPolicy, parse_retry_after
from iocgate.engine.stores.cache import CachePolicy
from iocgate.engine.upstream import UpstreamClient, UpstreamSettings
from iocgate.engine.writes import WritePolicy

__all__ = [
    "ByteStream",
    "CacheMode",
    "CachePolicy",
    "CacheStatus",
    "CachedVersion",
    "Caller",
    "Engine",
    "LoadedCapability",
    "Observer",
    "Plugin",
    "PluginContext",
    "PluginResource",
    "PluginResponse",
    "PluginRoute",
    "PluginTool",
    "Plugins",
    "QuotaStatus",
    "Result",
    "RetryPolicy",
    "UpstreamClient",
    "UpstreamSettings",
    "WritePolicy",
    "is_binary",
    "is_converted",
    "new_request_id",
    "parse_retry_after",
    "request_id_from",
]
