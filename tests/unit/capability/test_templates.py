"""Path templates encode each value as exactly one segment; value templates read binds."""

from __future__ import annotations

import pytest

from iocgate.capability import encode_path_segment, render_path, render_text


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("abc_VirusTotal Jujubox", "abc_VirusTotal%20Jujubox"),
        ("a/b", "a%2Fb"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("x?limit=40", "x%3Flimit%3D40"),
        ("x#frag", "x%23frag"),
        ("%2F", "%252F"),
        ("dr.web vxcube", "dr.web%20vxcube"),
    ],
)
def test_a_value_becomes_exactly_one_path_segment(value: str, encoded: str) -> None:
    assert encode_path_segment(value) == encoded


def test_both_placeholder_styles_render() -> None:
    assert render_path("/a/{x}/b/{{ y }}", {"x": "1 2", "y": "../etc"}) == "/a/1%202/b/..%2Fetc"


def test_value_templates_resolve_flat_and_namespaced_binds() -> None:
    binds = {"KEY": "k1", "env": {"KEY": "k1"}}
    assert render_text("{{env.KEY}}", binds) == "k1"
    assert render_text("{{KEY}}", binds) == "k1"
    assert render_text("Bearer {{MISSING}}", binds) == "Bearer "
    assert render_text("{literal}", binds) == "{literal}"
