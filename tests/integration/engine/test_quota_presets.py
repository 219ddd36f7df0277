"""``--quota`` presets come from the plugins: ``public`` is VirusTotal's allowance, known where a
VirusTotal capability is served; elsewhere it is refused by name and the default is unlimited."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from iocgate.errors import InvalidArgumentError
from iocgate.gateway import open_gateway
from iocgate.settings import load_settings

FORMATS = Path(__file__).parents[2] / "fixtures" / "formats"


def settings_for(tmp_path: Path, **flags: Any) -> Any:
    environ = {"XDG_CACHE_HOME": str(tmp_path), "VIRUSTOTAL_API_KEY": "k" * 64}
    return load_settings({"cache": "memory", **flags}, environ=environ)


def other_capability(tmp_path: Path) -> Path:
    for name in ("formats.yaml", "records.avsc", "records.proto"):
        shutil.copy(FORMATS / name, tmp_path / name)
    return tmp_path / "formats.yaml"


@pytest.mark.anyio
async def test_public_is_virustotals_allowance_by_default_for_its_capabilities(
    tmp_path: Path,
) -> None:
    async with open_gateway(settings_for(tmp_path)) as gateway:
        status = await gateway.engine.quota_status()
        assert (status.remaining_minute, status.remaining_day) == (4, 500)


@pytest.mark.anyio
async def test_another_upstream_has_no_public_preset(tmp_path: Path) -> None:
    path = other_capability(tmp_path)
    flags = {"capabilities": (path,), "upstream": "http://127.0.0.1:9"}
    async with open_gateway(settings_for(tmp_path, **flags)) as gateway:
        assert (await gateway.engine.quota_status()).policy == "unlimited"  # no known allowance
    with pytest.raises(InvalidArgumentError, match=r"plugins define none"):
        async with open_gateway(settings_for(tmp_path, quota="public", **flags)):
            pass
