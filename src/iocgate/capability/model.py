"""Pydantic models of a Naftiko 1.0.0-alpha2 capability file, as real files write it.

Unknown fields are kept (``extra="allow"``), never fatal: the generator dialect of the seed adds
fields the schema does not list, and `validate --strict` reports them instead.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SpecModel(BaseModel):
    """Base: keep unknown fields, allow the spec's reserved words (``in``, ``with``) by alias."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class Info(SpecModel):
    label: str
    description: str = ""
    tags: list[str] = []
    created: str | None = None
    modified: str | None = None


class Binding(SpecModel):
    namespace: str
    keys: dict[str, str]
    description: str | None = None
    location: str | None = None


class Authentication(SpecModel):
    type: Literal["apikey", "bearer", "basic", "digest", "oauth2"]
    key: str | None = None
    value: str | None = None
    placement: Literal["header", "query"] = "header"
    token: str | None = None
    username: str | None = None
    password: str | None = None
    # oauth2 on a consumed API: the client credentials grant (naftiko/ikanos #260). The schema
    # names authorizationServerUri, tokenEndpoint, scopes, audience and resource; clientId and
    # clientSecret are ours.
    authorizationServerUri: str | None = None
    tokenEndpoint: str | None = None
    clientId: str | None = None
    clientSecret: str | None = None
    scopes: list[str] = []
    audience: str | None = None
    resource: str | None = None


ParameterLocation = Literal["path", "query", "header", "body", "cookie", "environment"]


class InputParameter(SpecModel):
    name: str
    in_: ParameterLocation = Field("query", alias="in")
    type: str | None = None
    required: bool | None = None
    description: str | None = None
    value: Any = None


class OutputParameter(SpecModel):
    name: str | None = None
    type: str | None = None
    value: Any = None
    mapping: str | None = None
    properties: dict[str, Any] | list[Any] | None = None
    items: Any = None


class Hints(SpecModel):
    readOnly: bool | None = None
    destructive: bool | None = None
    idempotent: bool | None = None
    openWorld: bool | None = None


class ConsumedOperation(SpecModel):
    name: str
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    label: str | None = None
    description: str | None = None
    inputParameters: list[InputParameter] = []
    outputRawFormat: str = "json"
    outputSchema: str | None = None  # avro/protobuf schema file, html selector, md heading
    outputMediaType: str | None = None
    maxBinarySize: str | None = None
    outputParameters: list[OutputParameter] = []
    body: Any = None


class ConsumedResource(SpecModel):
    name: str
    path: str
    label: str | None = None
    description: str | None = None
    inputParameters: list[InputParameter] = []
    operations: list[ConsumedOperation] = Field(min_length=1)


class ConsumesHttp(SpecModel):
    type: Literal["http"] = "http"
    namespace: str
    baseUri: str
    description: str | None = None
    authentication: Authentication | None = None
    inputParameters: list[InputParameter] = []
    resources: list[ConsumedResource] = Field(min_length=1)


class ExposedOperation(SpecModel):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    name: str | None = None
    description: str | None = None
    call: str | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    inputParameters: list[InputParameter] = []
    outputParameters: list[OutputParameter] = []
    hints: Hints | None = None


class ExposedResource(SpecModel):
    path: str
    name: str | None = None
    description: str | None = None
    operations: list[ExposedOperation] = Field(min_length=1)


class ExposesRest(SpecModel):
    type: Literal["rest"]
    namespace: str
    port: int = Field(8080, ge=1, le=65535)
    address: str | None = None
    resources: list[ExposedResource] = []


class McpTool(SpecModel):
    name: str
    label: str | None = None  # alpha2: the MCP title
    display: str | None = None  # alpha3 on: `label` renamed
    title: str | None = None
    description: str = ""
    hints: Hints | None = None
    call: str | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    inputParameters: list[InputParameter] = []
    outputParameters: list[OutputParameter] = []


class ExposesMcp(SpecModel):
    type: Literal["mcp"]
    namespace: str
    port: int = Field(9090, ge=1, le=65535)
    address: str | None = None
    transport: Literal["http", "stdio"] = "http"
    description: str | None = None
    tools: list[McpTool] = []


Exposes = Annotated[ExposesRest | ExposesMcp, Field(discriminator="type")]


class CapabilityBody(SpecModel):
    binds: list[Binding] = []
    consumes: list[ConsumesHttp] = []
    exposes: list[Exposes] = []
    aggregates: list[Any] = []


class CapabilityDocument(SpecModel):
    """The whole file: ``naftiko``, ``info``, ``binds`` and ``capability``."""

    naftiko: str
    info: Info
    binds: list[Binding] = []
    capability: CapabilityBody
