"""The engine: one invocation path from (operation, arguments) to an upstream `Result`."""

from iocgate.engine.cache import Cache, CachedResponse, NullCache
from iocgate.engine.hooks import Plugin, Plugins
from iocgate.engine.invoke import CacheMode, CachePolicy, Caller, Engine, LoadedCapability
from iocgate.engine.mapping import apply_output_mapping
from iocgate.engine.observer import NullObserver, Observer
from iocgate.engine.quota import Quota, UnlimitedQuota
from iocgate.engine.request import UpstreamRequest, build_upstream_request, redact
from iocgate.engine.result import ByteStream, CacheStatus, QuotaStatus, Result
from iocgate.engine.retry import RetryPolicy
from iocgate.engine.upstream import UpstreamClient, UpstreamSettings
from iocgate.engine.writes import WritePolicy

__all__ = [
    "ByteStream",
    "Cache",
    "CacheMode",
    "CachePolicy",
    "CacheStatus",
    "CachedResponse",
    "Caller",
    "Engine",
    "LoadedCapability",
    "NullCache",
    "NullObserver",
    "Observer",
    "Plugin",
    "Plugins",
    "Quota",
    "QuotaStatus",
    "Result",
    "RetryPolicy",
    "UnlimitedQuota",
    "UpstreamClient",
    "UpstreamRequest",
    "UpstreamSettings",
    "WritePolicy",
    "apply_output_mapping",
    "build_upstream_request",
    "redact",
]
