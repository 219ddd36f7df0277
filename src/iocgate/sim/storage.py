"""Redirect mode: artefact URLs answer 302 to a signed "storage" URL outside `/api/v3`.

VirusTotal redirects some downloads to signed storage URLs; a client that follows such a
redirect must not send its `x-apikey` there. The storage route needs no key and records
whether one arrived anyway (see `guard.py`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

from iocgate.sim.artefacts import artefact_response
from iocgate.sim.errors import error_response
from iocgate.sim.state import SimState

__all__ = ["storage_download", "storage_token"]


def storage_token(state: SimState, report_id: str, artefact: str) -> str:
    """A token naming one artefact, signed with this app's secret."""
    payload = base64.urlsafe_b64encode(f"{report_id}\x00{artefact}".encode()).decode().rstrip("=")
    return f"{payload}.{_signature(state, payload)}"


def _signature(state: SimState, payload: str) -> str:
    return hmac.new(state.storage_secret, payload.encode(), hashlib.sha256).hexdigest()[:32]


async def storage_download(request: Request) -> Response:
    """`GET /_storage/{token}`: the artefact's bytes, no key needed."""
    state: SimState = request.app.state.sim
    token: str = request.path_params["token"]
    payload, _, signature = token.partition(".")
    if not hmac.compare_digest(signature, _signature(state, payload)):
        return error_response("NotFoundError", "Storage object not found")
    try:
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return error_response("NotFoundError", "Storage object not found")
    report_id, _, artefact = decoded.partition("\x00")
    report = state.corpus.find_report(report_id)
    if report is None:
        return error_response("NotFoundError", "Storage object not found")
    return artefact_response(
        report,
        artefact,
        memdump_size=state.settings.memdump_size,
        head=request.method == "HEAD",
    )
