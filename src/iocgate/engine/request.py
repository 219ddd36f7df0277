"""The one place an upstream request is built, and the only module that reads the credential.

``build_upstream_request`` turns (operation, arguments, binds) into an `UpstreamRequest`: path
segments percent-encoded, query parameters only when given, authentication placed. The cache
key, log lines and the retry loop all consume that object; none of them sees the secret.
Digest and OAuth2 credentials travel on the request too, for `engine/auth.py` to use on send.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from iocgate.capability import BindValues, Operation, render_path, render_text
from iocgate.engine.auth import ClientCredentials, DigestCredentials, OutboundAuth
from iocgate.engine.body_template import render_body
from iocgate.errors import CapabilityError, InvalidArgumentError
from iocgate.redaction import redact, redact_bytes, secret_fragments

__all__ = [
    "UpstreamRequest",
    "build_upstream_request",
    "check_authentication",
    "coerce_arguments",
    "credential_values",
    "new_request_id",
    "redact",
    "redact_bytes",
    "request_id_from",
    "secret_fragments",
]

# Request ids: a random per-process prefix and a counter. Unique like a uuid4 across processes
# and restarts, without a urandom call per request (6% of a cached hit's CPU, bench/FINDINGS.md).
_ID_PREFIX = secrets.token_hex(8)
_ID_COUNTER = itertools.count(1)


def new_request_id() -> str:
    """A new request id, 32 hex characters."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


# Ids a client may choose: they are echoed in a header and written to logs.
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+=/~-]{1,128}")


def request_id_from(sent: str | None) -> str:
    """The client's ``X-Request-ID`` when it is sane (<= 128 safe characters), else a new one."""
    if sent and _CLIENT_REQUEST_ID.fullmatch(sent):
        return sent
    return new_request_id()


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    """A fully built upstream call. ``secret_headers``/``secret_query`` hold the credential."""

    method: str
    url: str  # base + path + public query; never carries the credential
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    operation: str = ""
    secret_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    secret_query: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    auth: OutboundAuth | None = field(default=None, repr=False)  # digest or oauth2, run on send

    @property
    def cache_key(self) -> str:
        """Identifies the request without its credential (ARCHITECTURE: the cache key)."""
        digest = hashlib.sha256()
        for part in (self.method, self.url, repr(self.headers)):
            digest.update(part.encode() + b"\0")
        digest.update(self.body or b"")
        return digest.hexdigest()

    def send_url(self) -> str:
        """The URL to send, with a query-placed credential appended."""
        if not self.secret_query:
            return self.url
        joiner = "&" if "?" in self.url else "?"
        return self.url + joiner + urlencode(self.secret_query)

    def send_headers(self) -> dict[str, str]:
        return dict(self.headers) | dict(self.secret_headers)


#: Credentials shorter than this are not cut out of upstream answers (see `credential_values`).
MIN_REDACTED_IN_ANSWERS = 6

#: Bound variables named like a credential (the seed's VIRUSTOTAL_API_KEY, a TOKEN, a PASSWORD).
_CREDENTIAL_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|PWD|CREDENTIAL", re.IGNORECASE)


def _credentials(operations: list[Operation], binds: BindValues) -> set[str]:
    """Those an ``authentication`` block sends as the secret (API key, bearer token, password,
    client secret) and variables named like one, whatever their length."""
    found = {
        value
        for name, value in binds.items()
        if isinstance(value, str) and value and _CREDENTIAL_NAME.search(name)
    }
    for operation in operations:
        auth = operation.authentication
        if auth is None:
            continue
        for template in (auth.value, auth.token, auth.password, auth.clientSecret):
            if template:
                found.add(render_text(template, binds))
    return found


def credential_values(operations: list[Operation], binds: BindValues) -> list[str]:
    """The bound values that are credentials, to be redacted from upstream answers.

    Other bound values (a username, an API version sent in a header) are data an answer may
    rightly contain: redacting them would corrupt it. So would a credential of under
    `MIN_REDACTED_IN_ANSWERS` characters (every "p" of an answer would go).
    """
    return sorted(v for v in _credentials(operations, binds) if len(v) >= MIN_REDACTED_IN_ANSWERS)


def logged_secrets(operations: list[Operation], binds: BindValues) -> list[str]:
    """What logs, errors and the CLI's stderr lose: every credential, however short, and every
    other bound value long enough to be one (an unnamed variable may hold a key). A short value
    that is no credential ("1.0", "eu") stays: cutting it out would garble every message."""
    long_values = (v for v in binds.secrets if len(v) >= MIN_REDACTED_IN_ANSWERS)
    return sorted({*_credentials(operations, binds), *long_values})


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _coerce(name: str, kind: str, value: object) -> object:
    """Bring a value to the parameter's declared JSON type (CLI and REST send strings)."""
    if kind == "integer":
        if isinstance(value, bool):
            raise InvalidArgumentError(f"argument {name!r} must be an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise InvalidArgumentError(f"argument {name!r} must be an integer, got {value!r}")
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        try:
            return float(str(value))
        except ValueError:
            raise InvalidArgumentError(
                f"argument {name!r} must be a number, got {value!r}"
            ) from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in _TRUE | _FALSE:
            return str(value).lower() in _TRUE
        raise InvalidArgumentError(f"argument {name!r} must be true or false, got {value!r}")
    if kind == "string":
        if isinstance(value, dict | list):
            raise InvalidArgumentError(f"argument {name!r} must be a string, got {value!r}")
        return value if isinstance(value, str) else str(value)
    return value


def coerce_arguments(operation: Operation, arguments: Mapping[str, object]) -> dict[str, object]:
    """Check required arguments and types; unknown arguments are refused by name."""
    known = {p.name: p for p in operation.parameters}
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise InvalidArgumentError(
            f"unknown argument(s) {', '.join(unknown)} for {operation.name} (allowed: {allowed})"
        )
    values: dict[str, object] = {}
    for param in operation.parameters:
        value = arguments.get(param.name, param.value)
        if value is None or (value == "" and param.location == "path"):
            if param.required:
                raise InvalidArgumentError(
                    f"argument {param.name!r} is required by {operation.name}"
                    + (f": {param.description}" if param.description else "")
                )
            continue
        values[param.name] = _coerce(param.name, param.type, value)
    return values


Placed = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], OutboundAuth | None]


def check_authentication(operation: Operation) -> None:
    """Refuse, before any call, a consumed authentication the engine cannot carry out."""
    auth = operation.authentication
    if auth is None or auth.type != "oauth2":
        return
    missing = [] if auth.tokenEndpoint or auth.authorizationServerUri else ["tokenEndpoint"]
    missing += [] if auth.clientId else ["clientId"]
    if missing:
        raise CapabilityError(
            f"oauth2 authentication of the consumed API {operation.namespace!r} needs "
            f"{' and '.join(missing)}: iocgate gets its access token with the client "
            "credentials grant (tokenEndpoint or authorizationServerUri, clientId, "
            "clientSecret, optional scopes)",
            field=f"consumes.{operation.namespace}.authentication",
        )


def _auth(operation: Operation, binds: BindValues) -> Placed:
    """Credential headers, credential query parameters, and a handshake to run on send."""
    auth = operation.authentication
    if auth is None:
        return (), (), None
    if auth.type == "apikey":
        # Any header name goes, Authorization included (naftiko/ikanos #698).
        name = auth.key or "x-apikey"
        value = render_text(auth.value or "", binds)
        if auth.placement == "query":
            return (), ((name, value),), None
        return ((name, value),), (), None
    if auth.type == "bearer":
        token = render_text(auth.token or auth.value or "", binds)
        return (("Authorization", f"Bearer {token}"),), (), None
    if auth.type == "oauth2":
        return (), (), _client_credentials(operation, binds)
    # A missing password is the empty one, as `user:` (naftiko/ikanos #699).
    user = render_text(auth.username or "", binds)
    password = render_text(auth.password or "", binds)
    if auth.type == "digest":
        if ":" in user:
            raise CapabilityError(
                f"the digest username of {operation.namespace!r} contains ':', which "
                "HTTP authentication cannot carry (RFC 7616 §3.4)",
                field=f"consumes.{operation.namespace}.authentication.username",
            )
        return (), (), DigestCredentials(user, password)
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    return (("Authorization", f"Basic {basic}"),), (), None


def _client_credentials(operation: Operation, binds: BindValues) -> ClientCredentials:
    check_authentication(operation)
    auth = operation.authentication
    assert auth is not None
    return ClientCredentials(
        token_endpoint=render_text(auth.tokenEndpoint or "", binds),
        issuer=render_text(auth.authorizationServerUri or "", binds),
        client_id=render_text(auth.clientId or "", binds),
        client_secret=render_text(auth.clientSecret or "", binds),
        scopes=tuple(render_text(scope, binds) for scope in auth.scopes),
        audience=render_text(auth.audience, binds) if auth.audience else None,
        resource=render_text(auth.resource, binds) if auth.resource else None,
    )


def build_upstream_request(
    operation: Operation,
    arguments: Mapping[str, object],
    binds: BindValues,
    *,
    base_uri: str | None = None,
) -> UpstreamRequest:
    """Build the upstream call for ``operation`` with already coerced ``arguments``."""
    by_location: dict[str, dict[str, object]] = {}
    for param in operation.parameters:
        if param.name in arguments:
            value = arguments[param.name]
            if value is param.value and isinstance(value, str) and "{{" in value:
                value = render_text(value, {**binds, **arguments})  # e.g. a header from a bind
            by_location.setdefault(param.location, {})[param.name] = value
    path_values = {k: str(v) for k, v in by_location.get("path", {}).items()}
    path = render_path(operation.path, path_values)
    # A resource path written without its leading slash ("databases/{id}") is still relative
    # to the base URI's path, never glued onto its last segment ("/v1databases").
    url = (base_uri or operation.base_uri).rstrip("/") + ("/" + path.lstrip("/") if path else "")
    query = [(k, _query_text(v)) for k, v in by_location.get("query", {}).items()]
    if query:
        url += "?" + urlencode(query)
    headers = [(k, str(v)) for k, v in by_location.get("header", {}).items()]
    cookies = by_location.get("cookie", {})
    if cookies:
        headers.append(("Cookie", "; ".join(f"{k}={_query_text(v)}" for k, v in cookies.items())))
    body: str | None = None
    if operation.body_template is not None:
        payload, content_type = render_body(operation.body_template, {**binds, **arguments})
        body = payload.decode()
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", content_type))
    elif "body" in by_location:
        body = json.dumps(_json_body(operation, by_location["body"]), separators=(",", ":"))
        headers.append(("Content-Type", "application/json"))
    secret_headers, secret_query, auth = _auth(operation, binds)
    return UpstreamRequest(
        method=operation.method,
        url=url,
        headers=tuple(headers),
        body=body.encode() if body is not None else None,
        operation=operation.qualified_name,
        secret_headers=secret_headers,
        secret_query=secret_query,
        auth=auth,
    )


def _json_body(operation: Operation, values: dict[str, object]) -> object:
    """The JSON body from ``in: body`` parameters.

    One object-typed body parameter (the generator writes it ``name: body``) *is* the body;
    several body parameters are the fields of one object.
    """
    declared = [p for p in operation.parameters if p.location == "body"]
    if len(declared) == 1 and declared[0].type in ("object", "array"):
        return values[declared[0].name]
    return values


def _query_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
