"""`iocgate mock` answers with the example Microcks would pick, and says why when none fits."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.mock.conftest import HARBOUR, LEDGER

pytestmark = pytest.mark.anyio


async def test_query_example_pairs_with_the_response_example_of_the_same_name(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{HARBOUR}/vessels", params={"flag": "MT"})
    assert response.status_code == 200
    assert [v["vessel_name"] for v in response.json()] == ["Kestrel"]
    assert response.headers["x-mock-example"] == "maltese"


async def test_fallback_example_answers_an_unknown_query_value(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{HARBOUR}/vessels", params={"flag": "PA"})
    assert response.status_code == 200
    assert len(response.json()) == 3
    assert response.headers["x-mock-example"] == "everyVessel"


async def test_path_part_selects_the_vessel(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{HARBOUR}/vessels/215987654")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["hull"] == {"loa_m": 32.0, "beam_m": 12.4}


async def test_unknown_path_part_is_a_400_naming_the_criteria_that_exist(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{HARBOUR}/vessels/999")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "/mmsi=999" in message
    assert "/mmsi=244123456" in message and "/mmsi=215987654" in message


async def test_inferred_uri_elements_dispatch_uses_path_and_query(
    client: httpx.AsyncClient,
) -> None:
    found = await client.get(f"{HARBOUR}/vessels/244123456/inspections", params={"year": 2025})
    assert found.status_code == 200
    assert found.json()[1]["deficiencies"] == 2
    other_year = await client.get(f"{HARBOUR}/vessels/244123456/inspections?year=2024")
    assert other_year.status_code == 400
    assert "/mmsi=244123456?year=2024" in other_year.json()["error"]["message"]


async def test_missing_required_query_parameter_is_named(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{HARBOUR}/vessels/244123456/inspections")
    assert response.status_code == 400
    assert "query parameter 'year'" in response.json()["error"]["message"]


async def test_operation_without_dispatcher_answers_its_example(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{HARBOUR}/berths", params={"anything": "x"})
    assert response.status_code == 200
    assert response.json()[1] == {"berth": "B2", "max_loa_m": 90, "occupied_by": None}


async def test_literal_script_names_the_example_and_templates_read_the_request(
    client: httpx.AsyncClient,
) -> None:
    body = {"vesselMmsi": "244123456", "berth": 'B"1', "arrival": "2026-06-01T06:00:00Z"}
    response = await client.post(f"{HARBOUR}/bookings", json=body, headers={"X-Agent": "AG-7"})
    assert response.status_code == 201
    assert response.headers["location"] == "/bookings/BK-2026-0007"
    booking = response.json()  # a quote in the request does not break the JSON
    assert booking["vesselMmsi"] == "244123456"
    assert booking["berth"] == 'B"1'
    assert booking["window"] == {"arrival": "2026-06-01T06:00:00Z", "departure": None}
    assert booking["agent"] == "AG-7"


async def test_template_default_applies_when_the_header_is_absent(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"{HARBOUR}/bookings", json={"berth": "B2"})
    assert response.json()["agent"] == "unassigned"
    assert response.json()["vesselMmsi"] == ""


async def test_no_content_response_is_served_for_its_microcks_refs(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete(f"{HARBOUR}/bookings/BK-2026-0007")
    assert response.status_code == 204
    assert response.content == b""
    other = await client.delete(f"{HARBOUR}/bookings/BK-1")
    assert other.status_code == 400


async def test_xml_examples_are_sent_as_xml_under_a_title_with_a_space(
    client: httpx.AsyncClient,
) -> None:
    for base in (LEDGER, "/rest/Pilotage+Ledger/0.9"):
        response = await client.get(
            f"{base}/pilots", params={"district": "south"}, headers={"X-Ledger-Key": "k"}
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/xml;charset=UTF-8"
        assert response.text.startswith('<pilots district="south">')


async def test_uri_params_without_fallback_rejects_an_unknown_value(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        f"{LEDGER}/pilots", params={"district": "east"}, headers={"X-Ledger-Key": "k"}
    )
    assert response.status_code == 400
    assert "?district=east" in response.json()["error"]["message"]


async def test_a_required_header_from_a_shared_parameter_is_enforced(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{LEDGER}/pilots/PL-0031")
    assert response.status_code == 400
    assert "header parameter 'X-Ledger-Key'" in response.json()["error"]["message"]
    keyed = await client.get(f"{LEDGER}/pilots/PL-0031", headers={"x-ledger-key": "k"})
    assert "<since>2009</since>" in keyed.text


async def test_query_header_dispatcher_reads_the_named_header(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{LEDGER}/tariffs", headers={"currency": "GBP"})
    assert response.status_code == 200
    assert "<perMetre>3.55</perMetre>" in response.text
    missing = await client.get(f"{LEDGER}/tariffs")
    assert missing.status_code == 400
    assert "header parameter 'Currency'" in missing.json()["error"]["message"]


async def test_xml_template_reads_the_xml_request_and_escapes_the_value(
    client: httpx.AsyncClient,
) -> None:
    request = "<pilotRequest><vessel>Kestrel &amp; Co</vessel></pilotRequest>"
    response = await client.post(
        f"{LEDGER}/pilot-requests", content=request, headers={"content-type": "application/xml"}
    )
    assert response.status_code == 202
    assert response.text == (
        "<assignment><vessel>Kestrel &amp; Co</vessel><licence>PL-0031</licence></assignment>"
    )


async def test_unknown_service_lists_the_served_base_paths(client: httpx.AsyncClient) -> None:
    response = await client.get("/rest/harbour-registry/9.9/vessels")
    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert "'harbour-registry' version '9.9'" in message
    assert HARBOUR in message and LEDGER in message


async def test_unknown_path_lists_the_operations_and_wrong_method_is_405(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.get(f"{HARBOUR}/harbourmasters")
    assert unknown.status_code == 404
    assert "GET /vessels/{mmsi}" in unknown.json()["error"]["message"]
    wrong = await client.put(f"{HARBOUR}/berths")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET"


async def test_services_listing_and_health(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/health")).json() == {"status": "UP"}
    listing = (await client.get("/api/services")).json()
    harbour = next(s for s in listing if s["name"] == "harbour-registry")
    assert harbour["basePath"] == HARBOUR
    vessels = next(op for op in harbour["operations"] if op["path"] == "/vessels")
    assert vessels["fallback"] == "everyVessel"
    assert {e["criteria"] for e in vessels["examples"]} == {"", "?flag=MT", "?flag=NL"}


async def test_json_body_dispatcher_picks_the_example_by_a_body_field(
    client: httpx.AsyncClient,
) -> None:
    ferry = await client.post(f"{HARBOUR}/dues/quote", json={"vessel": {"kind": "ferry"}})
    assert ferry.json()["tariff"] == "passenger"
    dredger = await client.post(f"{HARBOUR}/dues/quote", json={"vessel": {"kind": "dredger"}})
    assert dredger.headers["x-mock-example"] == "standardDues"
