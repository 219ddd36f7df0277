"""The adapters: each turns its protocol into engine calls and engine results into its protocol.

`auth` (inbound bearer tokens) and `metrics` (Prometheus) serve every adapter alike; `scope`
is how they all read who calls and a header from an ASGI scope.
"""

__all__: list[str] = []
