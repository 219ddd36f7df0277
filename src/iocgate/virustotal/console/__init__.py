"""The analyst console: a web page at ``/`` of the REST port to investigate a hash.

The page, its script and its style are static files served by iocgate itself (no CDN, no build
step); everything the page shows comes from the REST routes (``/x/investigate/...`` and the
spec's ``/v1/...``) through the browser's ``fetch``, with the caller's own bearer token.
"""

from iocgate.virustotal.console.page import CONTENT_SECURITY_POLICY
from iocgate.virustotal.console.routes import console_routes

__all__ = ["CONTENT_SECURITY_POLICY", "console_routes"]
