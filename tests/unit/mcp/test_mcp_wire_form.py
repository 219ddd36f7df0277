"""A tool result handed to the SDK as a mapping reaches the client exactly as the model would."""

from __future__ import annotations

import mcp_types as types
import pytest
from mcp_types import methods
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, SUPPORTED_PROTOCOL_VERSIONS
from pydantic import ValidationError

from iocgate.exposes.mcp.server import _wire_form

RESULT = types.CallToolResult(
    content=[types.TextContent(text="notice"), types.TextContent(text='{"a": [1, 2]}')],
    structured_content={"a": (1, 2), "nested": {"b": None, "c": [{"d": 1.5}]}},
    meta={"iocgate/request_id": "r-1", "iocgate/cache": "HIT"},
)


@pytest.mark.parametrize("version", SUPPORTED_PROTOCOL_VERSIONS)
def test_the_wire_form_passes_the_sdk_check_into_the_same_reply(version: str) -> None:
    from_model = methods.serialize_server_result(
        "tools/call", version, RESULT.model_dump(by_alias=True, mode="json", exclude_none=True)
    )
    from_wire = methods.serialize_server_result("tools/call", version, _wire_form(RESULT))
    assert from_wire == from_model


@pytest.mark.parametrize("version", HANDSHAKE_PROTOCOL_VERSIONS)
def test_a_result_that_breaks_the_protocol_is_still_refused(version: str) -> None:
    # (2026-07-28 results are a union whose lenient member drops what does not fit instead.)
    broken = _wire_form(RESULT)
    broken["content"] = [{"type": "text"}]  # a text block without its text
    with pytest.raises(ValidationError):
        methods.serialize_server_result("tools/call", version, broken)
