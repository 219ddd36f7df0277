"""The inbound credentials an adapter's declared ``authentication`` stands for, binds rendered."""

from __future__ import annotations

from collections.abc import Mapping

from iocgate.capability import render_text
from iocgate.capability.model import Authentication
from iocgate.errors import InvalidArgumentError
from iocgate.exposes.auth import ApiKey, BasicCredentials, BearerTokens, Credential

__all__ = ["declared_credentials"]


def declared_credentials(
    declared: Authentication | None, binds: Mapping[str, object], label: str
) -> list[Credential]:
    """What ``declared`` accepts; ``label`` names the adapter in errors (``rest adapter of x``).

    A value that renders empty (an unbound variable) is a start-up error: it would accept
    anyone, or no one.
    """
    if declared is None:
        return []

    def value(field: str) -> str:
        raw = getattr(declared, field)
        rendered = render_text(raw, binds) if raw else ""
        if not rendered:
            raise InvalidArgumentError(
                f"the {label} declares {declared.type} authentication whose `{field}` "
                f"{'(' + repr(raw) + ') ' if raw else ''}renders empty: set it, or bind its "
                "variable"
            )
        return rendered

    if declared.type == "bearer":
        return [BearerTokens([value("token")])]
    if declared.type == "apikey":
        return [ApiKey(value("key"), value("value"), declared.placement)]
    if declared.type == "basic":
        password = render_text(declared.password, binds) if declared.password else ""
        return [BasicCredentials(value("username"), password)]
    if declared.type == "oauth2":
        from iocgate.exposes.jwt import JwtResourceServer

        return [
            JwtResourceServer(
                issuer=value("authorizationServerUri"),
                audience=declared.audience or declared.resource,
                scopes=tuple(declared.scopes),
            )
        ]
    raise InvalidArgumentError(
        f"the {label} declares {declared.type} inbound authentication, which iocgate does not "
        "check: use bearer, apikey, basic or oauth2"
    )
