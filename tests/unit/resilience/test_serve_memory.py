"""What ``iocgate serve`` loads that it never uses costs RSS (issue #23): kept out."""

from __future__ import annotations

import subprocess
import sys

# The modules serve imports at start-up (the MCP stack in its worker thread included).
PROBE = """
import sys
from iocgate.cli.serving.heap import import_mcp_stack as _import_mcp_stack
import iocgate.gateway, iocgate.exposes.rest, iocgate.exposes.metrics
_import_mcp_stack()
from iocgate.exposes.mcp.validation import ArgumentValidator
errors = ArgumentValidator({"type": "object", "required": ["id"]}).errors({})
print(len(errors), *sorted(m for m in sys.modules if m.split(".")[0] in NAMES))
"""


def test_serving_loads_no_redis_client_and_no_json_schema_format_plugins() -> None:
    # redis (~7 MB) only with a redis:// cache; rfc3987-syntax (~20 MB, a lark grammar) and
    # jsonschema's other format checkers are never used: tool arguments are not format-checked;
    # stix2 (~12 MB with its pattern grammar) only on the first STIX export.
    names = {"redis", "rfc3987_syntax", "lark", "webcolors", "isoduration", "uri_template", "stix2"}
    probe = f"NAMES = {sorted(names)!r}\n" + PROBE
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["1"]  # validation still works, and nothing of the above
