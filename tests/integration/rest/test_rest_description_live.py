"""`/openapi.json` describes every route as served; `/docs` works offline; extra routes mount."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from iocgate.capability import Capability
from iocgate.exposes.rest import RestOptions
from tests.integration.rest.conftest import Gateway, GatewayFactory


def test_the_openapi_document_is_valid_3_1_with_one_operation_per_route(
    gateway: Gateway, seed_capability: Capability
) -> None:
    document = gateway.get("/openapi.json").json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert seed_capability.rest is not None
    operation_ids = {
        operation["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for operation in item.values()
    }
    assert operation_ids == {route.name for route in seed_capability.rest.routes}


def test_parameters_carry_types_descriptions_and_the_plugins_patterns(gateway: Gateway) -> None:
    document = gateway.get("/openapi.json").json()
    relationship_route = document["paths"]["/v1/file_behaviours/{sandbox_id}/{relationship}"]
    parameters = {p["name"]: p for p in relationship_route["get"]["parameters"]}
    assert parameters["sandbox_id"]["in"] == "path"
    assert parameters["sandbox_id"]["required"] is True
    assert parameters["sandbox_id"]["description"]
    assert re.compile(parameters["sandbox_id"]["schema"]["pattern"])
    assert "file" in parameters["relationship"]["schema"]["enum"]
    assert parameters["limit"]["schema"]["type"] == "integer"
    assert parameters["limit"]["schema"]["maximum"] == 40
    assert parameters["cursor"]["required"] is False


def test_responses_offer_json_and_bytes_and_the_error_shape(gateway: Gateway) -> None:
    document = gateway.get("/openapi.json").json()
    html = document["paths"]["/v1/file_behaviours/{sandbox_id}/html"]["get"]["responses"]
    content = html["200"]["content"]
    assert {"application/json", "application/octet-stream", "text/html"} <= set(content)
    assert html["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]


def test_extra_routes_are_served_and_described(start_gateway: GatewayFactory) -> None:
    async def hello(request: Request) -> Response:
        return JSONResponse({"id": request.path_params["id"]})

    options = RestOptions(
        extra_routes=(Route("/x/hello/{id}", hello),),
        extra_openapi_paths={"/x/hello/{id}": {"get": {"operationId": "hello", "responses": {}}}},
    )
    with start_gateway(options=options) as gateway:
        served = gateway.get("/x/hello/42")
        document = gateway.get("/openapi.json").json()
        missing = gateway.get("/x/other")
    assert served.json() == {"id": "42"}
    assert served.headers["x-request-id"]
    assert document["paths"]["/x/hello/{id}"]["get"]["operationId"] == "hello"
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NotFoundError"


def test_the_docs_page_loads_its_assets_from_the_gateway_itself(gateway: Gateway) -> None:
    page = gateway.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    assert all(asset.startswith("/docs/") for asset in assets)  # nothing from the network
    for asset in assets:
        assert gateway.get(asset).status_code == 200, asset
    described = re.search(r'url: "([^"]+)"', page.text)
    assert described is not None
    swagger_document = gateway.get(described.group(1)).json()
    validate(swagger_document)
    assert swagger_document["paths"] == gateway.get("/openapi.json").json()["paths"]


def test_an_extra_routes_own_http_error_keeps_its_message_in_the_error_shape(
    start_gateway: GatewayFactory,
) -> None:
    async def missing(request: Request) -> Response:
        raise HTTPException(404, detail="no investigation for that hash yet")

    with start_gateway(
        options=RestOptions(extra_routes=(Route("/x/missing", missing),))
    ) as gateway:
        response = gateway.get("/x/missing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "NotFoundError", "message": "no investigation for that hash yet"}
    }
