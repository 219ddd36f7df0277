"""The adapters: each turns its protocol into engine calls and engine results into its protocol.

`auth` (inbound bearer tokens) and `metrics` (Prometheus) serve every adapter alike.
"""

__all__: list[str] = []
