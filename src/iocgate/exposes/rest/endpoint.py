"""Where a REST request becomes an upstream call: one `Engine.invoke` per matched route.

path values + query -> the route's inbound arguments -> its ``with`` map -> ``engine.invoke``
-> `Result` -> response. Errors raised on the way are rendered by `errors.py`; upstream error
answers come back as a `Result` and pass through verbatim.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from iocgate.capability import RestRoute
from iocgate.engine import CacheStatus, Engine
from iocgate.errors import IocgateError, MethodNotAllowedError
from iocgate.exposes.rest.body import body_arguments, header_arguments
from iocgate.exposes.rest.context import access_of, rest_caller
from iocgate.exposes.rest.contract import as_declared, read_ahead
from iocgate.exposes.rest.disconnect import ClientGone, unless_client_leaves
from iocgate.exposes.rest.errors import iocgate_error_response
from iocgate.exposes.rest.fastpath import FASTPATH_KEY
from iocgate.exposes.rest.links import LinkRewriter
from iocgate.exposes.rest.origin import PublicOrigin
from iocgate.exposes.rest.params import inbound_arguments
from iocgate.exposes.rest.responses import result_response, send_head
from iocgate.exposes.rest.routes import RouteMatch

__all__ = ["RestEndpoint"]


def _reads_headers_or_body(route: RestRoute) -> bool:
    """Whether the route's arguments come from more than its path and query."""
    return any(parameter.location in ("header", "body") for parameter in route.parameters)


class RestEndpoint:
    """Serves every capability route: arguments in, `Engine.invoke`, the `Result` out."""

    def __init__(self, engine: Engine, links: LinkRewriter, origin: PublicOrigin) -> None:
        self.engine = engine
        self.links = links
        self.origin = origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send, found: RouteMatch) -> None:
        route = found.route
        if route is None:
            allow = found.resource.allow
            error = MethodNotAllowedError(
                f"{found.resource.path.template} accepts {', '.join(allow)}, not {scope['method']}",
                allow=allow,
            )
            await iocgate_error_response(error)(scope, receive, send)
            return
        record = access_of(scope)
        if record is not None:
            record.operation = route.operation.name
        caller = rest_caller(scope)
        try:
            inbound = inbound_arguments(route, found.path_values, scope.get("query_string", b""))
            inbound |= header_arguments(route, scope)
            inbound |= await body_arguments(route, receive)
            arguments = route.upstream_arguments(inbound)
            result = await unless_client_leaves(
                receive,
                lambda: self.engine.invoke(route.operation, arguments, call=route, caller=caller),
            )
            result = await read_ahead(as_declared(route, result))
        except ClientGone:  # the upstream call was cancelled with its client; no one to answer
            if record is not None:
                record.status = 499  # nginx's "client closed request", for the access log
            return
        except IocgateError as exc:
            await iocgate_error_response(exc)(scope, receive, send)
            return
        if record is not None:
            record.note(result)
        response = result_response(
            result,
            path_values=[found.path_values[name] for name in found.resource.path.names],
            last_literal=found.resource.path.last_literal,
            success_body=lambda ok: self.links.rewrite_body(ok, lambda: self.origin(scope)),
        )
        if scope["method"] == "HEAD":
            await send_head(response, send)
            return
        fast = scope.get(FASTPATH_KEY)
        body = getattr(response, "body", None)  # a streamed response has none: never learnt
        if (
            fast is not None
            and not _reads_headers_or_body(route)  # the fast path keys on path, query, origin
            and result.version is not None
            and result.status == 200
            and result.cache is CacheStatus.HIT
            and isinstance(body, bytes)
        ):
            layer, key = fast
            layer.learn(key, result.version, route.operation.name, body, list(response.raw_headers))
        await response(scope, receive, send)
