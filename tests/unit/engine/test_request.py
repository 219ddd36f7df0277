"""The one request builder: encoding, query parameters, credential placement and coercion."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iocgate.capability import BindValues, Capability, load_capability_text, resolve_binds
from iocgate.engine.request import (
    UpstreamRequest,
    build_upstream_request,
    coerce_arguments,
    credential_values,
    logged_secrets,
)
from iocgate.errors import BindError, InvalidArgumentError

KEY = "k" * 64


def capability(placement: str = "header") -> Capability:
    return load_capability_text(
        textwrap.dedent(
            f"""\
            naftiko: 1.0.0-alpha2
            info: {{label: T}}
            binds: [{{namespace: env, keys: {{API_KEY: API_KEY}}}}]
            capability:
              consumes:
              - type: http
                namespace: up
                baseUri: https://up.example/api/v3/
                authentication: {{type: apikey, key: x-apikey, value: '{{{{env.API_KEY}}}}',
                                  placement: {placement}}}
                resources:
                - name: r
                  path: /things/{{id}}/items
                  operations:
                  - name: list
                    inputParameters:
                    - {{name: id, in: path, type: string, required: true}}
                    - {{name: limit, in: query, type: integer}}
                    - {{name: cursor, in: query, type: string}}
              exposes:
              - {{type: mcp, namespace: m, tools: [{{name: t, call: up.list}}]}}
            """
        )
    )


def build(args: dict[str, object], placement: str = "header") -> UpstreamRequest:
    cap = capability(placement)
    operation = cap.operation("list")
    assert operation is not None
    binds = resolve_binds(cap.binds, capability_file="t.yaml", environ={"API_KEY": KEY})
    return build_upstream_request(operation, coerce_arguments(operation, args), binds)


def test_path_value_is_one_encoded_segment_and_absent_query_is_omitted() -> None:
    request = build({"id": "a/b?c#d .."})
    assert request.url == "https://up.example/api/v3/things/a%2Fb%3Fc%23d%20../items"


def test_query_parameters_are_added_only_when_given_and_typed() -> None:
    request = build({"id": "x", "limit": "40"})
    assert request.url.endswith("/things/x/items?limit=40")


def test_header_credential_is_sent_but_never_in_url_repr_or_cache_key() -> None:
    request = build({"id": "x"})
    assert request.send_headers()["x-apikey"] == KEY
    assert KEY not in request.url and KEY not in repr(request)
    assert request.cache_key == build({"id": "x"}).cache_key


def test_query_credential_is_appended_only_when_sending() -> None:
    request = build({"id": "x"}, placement="query")
    assert KEY not in request.url
    assert request.send_url().endswith(f"x-apikey={KEY}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "argument 'id' is required"),
        ({"id": "x", "limit": "ten"}, "'limit' must be an integer"),
        ({"id": "x", "colour": "red"}, "unknown argument(s) colour"),
        ({"id": ""}, "argument 'id' is required"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(
    args: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build(args)


def test_missing_bind_variable_names_the_variable_and_the_capability() -> None:
    cap = capability()
    with pytest.raises(BindError) as caught:
        resolve_binds(cap.binds, capability_file="t.yaml", environ={})
    assert "API_KEY" in str(caught.value) and "t.yaml" in str(caught.value)


def test_binds_can_come_from_a_file_location(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("API_KEY: from-file\n")
    cap = load_capability_text(
        textwrap.dedent(
            f"""\
            naftiko: 1.0.0-alpha2
            info: {{label: T}}
            binds: [{{namespace: s, location: 'file://{secrets}', keys: {{API_KEY: API_KEY}}}}]
            capability:
              consumes:
              - {{type: http, namespace: up, baseUri: 'https://up.example',
                  resources: [{{name: r, path: /x, operations: [{{name: get}}]}}]}}
              exposes:
              - {{type: mcp, namespace: m, tools: [{{name: t, call: up.get}}]}}
            """
        )
    )
    binds = resolve_binds(cap.binds, capability_file="t.yaml", environ={})
    assert binds["API_KEY"] == "from-file" and "from-file" not in repr(binds)


def test_answers_lose_credentials_but_keep_other_bound_values() -> None:
    # A bound username or API version is data an answer may rightly carry; only what the
    # authentication sends as the secret, or a variable named like one, is redacted.
    cap = capability()
    binds = resolve_binds(cap.binds, capability_file="t.yaml", environ={"API_KEY": KEY})
    binds.update({"REGISTRY_VERSION": "2026-05-01", "SERVICE_TOKEN": "t0ken-value"})
    found = credential_values(list(cap.operations.values()), binds)
    assert KEY in found and "t0ken-value" in found
    assert "2026-05-01" not in found


def test_a_credential_too_short_to_cut_out_of_an_answer_is_left_to_the_logs() -> None:
    cap = capability()
    binds = resolve_binds(cap.binds, capability_file="t.yaml", environ={"API_KEY": "p"})
    assert credential_values(list(cap.operations.values()), binds) == []
    assert logged_secrets(list(cap.operations.values()), binds) == ["p"]


def test_logs_lose_long_bound_values_but_keep_short_ones_that_are_no_credential() -> None:
    cap = capability()
    binds = resolve_binds(cap.binds, capability_file="t.yaml", environ={"API_KEY": KEY})
    binds.update({"VERSION": "1.0", "REGION": "eu", "ACCOUNT": "acct-778812"})
    logged = logged_secrets(list(cap.operations.values()), binds)
    # "1.0" would garble every message holding a version or a status; a long value may be a key.
    assert KEY in logged and "acct-778812" in logged
    assert "1.0" not in logged and "eu" not in logged


def test_a_resource_path_without_its_leading_slash_stays_under_the_base_path() -> None:
    text = textwrap.dedent(
        """\
        naftiko: 1.0.0-alpha2
        info: {label: T}
        capability:
          consumes:
          - type: http
            namespace: up
            baseUri: https://up.example/v1
            resources:
            - name: r
              path: databases/{id}/query
              operations:
              - name: query
                inputParameters:
                - {name: id, in: path, type: string, required: true}
          exposes:
          - {type: mcp, namespace: m, tools: [{name: t, call: up.query}]}
        """
    )
    operation = load_capability_text(text).operation("query")
    assert operation is not None
    request = build_upstream_request(operation, {"id": "d1"}, BindValues())
    assert request.url == "https://up.example/v1/databases/d1/query"
