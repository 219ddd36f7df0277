"""Noise out of the IoCs (#22.2): benign infrastructure and Windows background activity are
classed with a confidence and a reason, left out by default and kept on request."""

from __future__ import annotations

import csv
import io

import pytest
from starlette.applications import Starlette

from iocgate.sim import SimState
from iocgate.sim.network import BACKGROUND_HOSTS
from iocgate.virustotal.exports import iocs_csv, stix_bundle
from iocgate.virustotal.investigate import Brief, investigate
from iocgate.virustotal.investigate.noise import classify
from tests.unit.investigate.investigate_support import sim_engine


@pytest.fixture(scope="module")
def with_noise(investigation_sim: Starlette) -> Brief:
    import anyio

    async def build() -> Brief:
        engine = sim_engine(investigation_sim)
        try:
            rich = investigation_sim.state.sim.corpus.pick("rich")
            return await investigate(engine, rich.sha256, include_noise=True)
        finally:
            await engine.aclose()

    return anyio.run(build)


def test_the_maintained_lists_and_our_rules_class_what_they_know() -> None:
    assert classify("domain", "login.microsoftonline.com").reason == (
        "MISP warning list: List of known Office 365 URLs"
    )
    assert classify("ip", "8.8.8.8").kind == "noise"
    assert classify("ip", "104.16.1.1").kind == "context"  # a CDN: shared, maybe abused
    assert classify("ip", "10.0.2.15").kind == "noise"
    assert classify("domain", "cdn.tango-zephyr.test").kind == "ioc"
    key = (
        "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer"
        "\\ComDlg32\\OpenSavePidlMRU\\exe"
    )
    assert classify("registry_key", key).kind == "noise"


def test_noise_is_left_out_by_default_and_counted(briefs: dict[str, Brief]) -> None:
    brief = briefs["rich"]
    assert brief.noise_included is False
    values = {item.value for item in brief.indicators.all()}
    assert not values & set(BACKGROUND_HOSTS)
    assert not any("OpenSavePidlMRU" in value for value in values)
    assert brief.noise["registry_keys"] > 0 and brief.noise["domains"] > 0
    assert brief.noise["ips"] > 0  # their addresses and the sandbox's resolver
    assert all(item.classification in ("ioc", "context") for item in brief.indicators.all())
    assert all(item.confidence is not None for item in brief.indicators.all())


def test_noise_on_request_carries_its_class_and_reason(
    with_noise: Brief, briefs: dict[str, Brief]
) -> None:
    default = briefs["rich"]
    for name, count in default.noise.items():
        assert getattr(with_noise.indicators, name).total == (
            getattr(default.indicators, name).total + count
        )
    background = next(i for i in with_noise.indicators.domains.items if i.value in BACKGROUND_HOSTS)
    assert (background.classification, background.confidence) == ("noise", 5)
    assert background.reason
    rows = list(csv.DictReader(io.StringIO(iocs_csv(with_noise))))
    noisy = next(row for row in rows if row["value"] == background.value)
    assert (noisy["classification"], noisy["confidence"]) == ("noise", "5")
    assert noisy["reason"] == background.reason


def test_stix_makes_no_indicator_of_noise_and_states_confidence(with_noise: Brief) -> None:
    bundle = stix_bundle(with_noise)
    indicators = [o for o in bundle.objects if o.type == "indicator"]
    patterns = " ".join(o.pattern for o in indicators)
    assert not any(host in patterns for host in BACKGROUND_HOSTS)
    assert all(o.confidence in (40, 50, 80, 85) for o in indicators)
    assert {t for o in indicators for t in o.indicator_types} <= {
        "malicious-activity",
        "anomalous-activity",
    }
    observed = {o.value for o in bundle.objects if o.type == "domain-name"}
    assert observed & set(BACKGROUND_HOSTS)  # still observed, as context


@pytest.mark.anyio
async def test_the_rest_brief_includes_noise_only_when_asked(
    investigation_sim: Starlette, sim_state: SimState
) -> None:
    from tests.unit.investigate.test_investigate_routes import client_for

    rich = sim_state.corpus.pick("rich")
    engine = sim_engine(investigation_sim)
    try:
        async with client_for(engine) as client:
            default = (await client.get(f"/x/investigate/{rich.sha256}")).json()
            noisy = (await client.get(f"/x/investigate/{rich.sha256}?include_noise=true")).json()
    finally:
        await engine.aclose()
    assert default["noise_included"] is False and noisy["noise_included"] is True
    assert noisy["indicators"]["registry_keys"]["total"] == (
        default["indicators"]["registry_keys"]["total"] + default["noise"]["registry_keys"]
    )
