"""The REST adapter's public names: sorted, defined, documented."""

from __future__ import annotations

import iocgate.exposes.rest as rest


def test_the_public_api_is_exactly_what_all_lists_sorted_and_documented() -> None:
    assert rest.__all__ == sorted(rest.__all__)
    assert rest.__all__ == ["RestOptions", "create_rest_app"]
    for name in rest.__all__:
        assert getattr(rest, name).__doc__, name
