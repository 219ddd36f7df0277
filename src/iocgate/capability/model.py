"""The one internal model of a capability file, whatever spec version it was written in.

`dialect.py` reads each version's shapes into this form at the edge: named entities are lists
whose items carry ``name`` (an alpha3+ map keyed by name becomes such a list), ``label`` becomes
``display``, alpha2 ``functions`` become ``flows`` and ``targetName`` becomes ``target``; imports
are resolved and root fragment files sit under ``capability``. Nothing past the loader knows
which version a file was written in.

Unknown fields are kept (``extra="allow"``), never fatal: the generator dialect of the seed adds
fields the schema does not list, and `validate --strict` reports them instead. Constructs the
runtime does not run yet (steps, mock outputs, aggregates, skill and control adapters, MCP
resources and prompts...) are modelled here faithfully; `spec.py` names them at start-up.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class SpecModel(BaseModel):
    """Base: keep unknown fields, allow the spec's reserved words (``in``, ``with``) by alias."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class Person(SpecModel):
    role: str
    fullName: str
    email: str | None = None


class Info(SpecModel):
    display: str = ""  # alpha1/alpha2 `label`
    description: str = ""
    tags: list[str] = []
    created: str | None = None
    modified: str | None = None
    version: str | None = None  # beta4+: MCP serverInfo.version
    stakeholders: list[Person] = []

    @property
    def label(self) -> str:
        return self.display


class Binding(SpecModel):
    namespace: str
    keys: dict[str, str]
    description: str | None = None
    location: str | None = None


AuthenticationType = Literal["apikey", "bearer", "basic", "digest", "oauth2"]


class Authentication(SpecModel):
    """Every kind of the spec's `Authentication` in one typed record (``type`` says which).

    basic/digest: ``username``/``password``; apikey: ``key``, ``value``, ``placement``;
    bearer: ``token``; oauth2 (inbound, RFC 9728): ``authorizationServerUri``, ``resource``,
    ``scopes``, ``audience``, ``tokenEndpoint``, ``tokenValidation``;
    oauth2 on a consumed API: the client credentials grant (naftiko/ikanos #260) with
    ``tokenEndpoint``, ``scopes``, ``audience``, ``resource`` and our ``clientId``/``clientSecret``.
    """

    type: AuthenticationType
    key: str | None = None
    value: str | None = None
    placement: Literal["header", "query"] = "header"
    token: str | None = None
    username: str | None = None
    password: str | None = None
    authorizationServerUri: str | None = None
    resource: str | None = None
    scopes: list[str] = []
    audience: str | None = None
    tokenEndpoint: str | None = None
    tokenValidation: str | None = None
    clientId: str | None = None
    clientSecret: str | None = None


ParameterLocation = Literal["path", "query", "header", "body", "cookie", "environment"]


class InputParameter(SpecModel):
    name: str
    in_: ParameterLocation = Field("query", alias="in")
    type: str | None = None
    required: bool | None = None
    description: str | None = None
    pattern: str | None = None
    value: Any = None


class OutputParameter(SpecModel):
    name: str | None = None
    type: str | None = None
    value: Any = None
    mapping: str | None = None
    const: Any = None
    properties: dict[str, Any] | list[Any] | None = None
    items: Any = None


class Hints(SpecModel):
    readOnly: bool | None = None
    destructive: bool | None = None
    idempotent: bool | None = None
    openWorld: bool | None = None


class Semantics(SpecModel):
    safe: bool | None = None
    idempotent: bool | None = None
    cacheable: bool | None = None


class Step(SpecModel):
    """One orchestration step: ``call``, ``lookup`` (in an earlier result) or ``script``."""

    name: str
    type: Literal["call", "lookup", "script"]
    call: str | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    index: str | None = None
    match: str | None = None
    lookupValue: str | None = None
    outputParameters: list[Any] = []
    language: str | None = None
    location: str | None = None
    file: str | None = None
    dependencies: list[str] = []


class StepMapping(SpecModel):
    target: str  # alpha2 `targetName`
    value: str


class MultipartPart(SpecModel):
    name: str
    value: str
    filename: str | None = None
    contentType: str | None = None


class RequestBody(SpecModel):
    """A templated request body; a raw string body (``body: "..."``) is read as ``type: raw``."""

    type: Literal["json", "text", "xml", "sparql", "formUrlEncoded", "multipartForm", "raw"]
    data: Any = None

    @model_validator(mode="before")
    @classmethod
    def _raw_string(cls, value: Any) -> Any:
        return {"type": "raw", "data": value} if isinstance(value, str) else value


class Tunnel(SpecModel):
    type: Literal["ziti"]
    service: str
    identity: str
    fallback: Literal["fail", "direct"] = "fail"


class Forward(SpecModel):
    targetNamespace: str
    trustedHeaders: list[str] = []


class ConsumedOperation(SpecModel):
    name: str
    method: HttpMethod = "GET"
    display: str | None = None
    tags: list[str] = []
    description: str | None = None
    inputParameters: list[InputParameter] = []
    outputRawFormat: str = "json"
    outputSchema: str | None = None  # avro/protobuf schema file, html selector, md heading
    outputMediaType: str | None = None
    maxBinarySize: str | None = None
    outputParameters: list[OutputParameter] = []
    body: RequestBody | None = None


class ConsumedResource(SpecModel):
    name: str
    path: str
    display: str | None = None
    tags: list[str] = []
    description: str | None = None
    inputParameters: list[InputParameter] = []
    operations: list[ConsumedOperation] = Field(min_length=1)


class ConsumesHttp(SpecModel):
    type: Literal["http"] = "http"
    namespace: str
    baseUri: str
    description: str | None = None
    authentication: Authentication | None = None
    tunnel: Tunnel | None = None
    inputParameters: list[InputParameter] = []
    resources: list[ConsumedResource] = []


class Orchestration(SpecModel):
    """What an exposed operation, tool, resource or flow may run instead of a single ``call``."""

    ref: str | None = None  # an aggregate flow, `<namespace>.<flow>`
    call: str | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    steps: list[Step] = []
    mappings: list[StepMapping] = []
    inputParameters: list[InputParameter] = []
    outputParameters: list[OutputParameter] = []


class RestResponseContent(SpecModel):
    """One media type of a declared REST response: raw bytes, or JSON of a schema."""

    binary: bool = False
    schema_: dict[str, Any] | None = Field(None, alias="schema")


class RestResponse(SpecModel):
    description: str | None = None
    content: dict[str, RestResponseContent] = {}


class RestResponseBinary(SpecModel):
    """The shorthand for a single successful binary response."""

    status: int = Field(200, ge=100, le=599)
    mediaType: str
    description: str | None = None


class ExposedOperation(Orchestration):
    method: HttpMethod = "GET"
    name: str | None = None
    display: str | None = None
    tags: list[str] = []
    description: str | None = None
    hints: Hints | None = None
    responses: dict[int | str, RestResponse] | None = None  # keyed by status: "200", "4XX"
    responseBinary: RestResponseBinary | None = None


class ExposedResource(SpecModel):
    path: str
    name: str | None = None
    display: str | None = None
    tags: list[str] = []
    description: str | None = None
    inputParameters: list[InputParameter] = []
    operations: list[ExposedOperation] = []
    forward: Forward | None = None


class AdapterBase(SpecModel):
    namespace: str = ""  # required on every adapter but control
    address: str | None = None
    authentication: Authentication | None = None


class ExposesRest(AdapterBase):
    type: Literal["rest"]
    namespace: str
    port: int = Field(8080, ge=1, le=65535)
    maxBinarySize: str | None = None
    resources: list[ExposedResource] = []


class McpTool(Orchestration):
    name: str = ""  # alpha2 allowed a tool without one; it cannot be served
    title: str | None = None
    display: str | None = None
    tags: list[str] = []
    description: str = ""
    hints: Hints | None = None


class McpResource(Orchestration):
    name: str
    uri: str
    display: str | None = None
    description: str = ""
    mimeType: str | None = None
    binary: bool = False
    location: str | None = None


class McpPromptArgument(SpecModel):
    name: str
    display: str | None = None
    description: str = ""
    required: bool | None = None


class McpPromptMessage(SpecModel):
    role: str
    content: str


class McpPrompt(SpecModel):
    name: str
    display: str | None = None
    description: str = ""
    arguments: list[McpPromptArgument] = []
    template: list[McpPromptMessage] = []
    location: str | None = None


class ExposesMcp(AdapterBase):
    type: Literal["mcp"]
    namespace: str
    port: int = Field(9090, ge=1, le=65535)
    transport: Literal["http", "stdio"] = "http"
    description: str | None = None
    maxBinarySize: str | None = None
    ttlMs: int | None = None
    cacheScope: Literal["public", "private"] | None = None
    tools: list[McpTool] = []
    resources: list[McpResource] = []
    prompts: list[McpPrompt] = []


class SkillToolSource(SpecModel):
    sourceNamespace: str
    action: str


class SkillTool(SpecModel):
    name: str
    description: str = ""
    from_: SkillToolSource | None = Field(None, alias="from")
    instruction: str | None = None


class ExposedSkill(SpecModel):
    name: str
    description: str = ""
    license: str | None = None
    compatibility: str | None = None
    metadata: dict[str, str] = {}
    location: str | None = None
    tools: list[SkillTool] = []


class ExposesSkill(AdapterBase):
    type: Literal["skill"]
    namespace: str
    port: int = Field(ge=1, le=65535)
    description: str | None = None
    skills: list[ExposedSkill] = []


class ExposesControl(AdapterBase):
    type: Literal["control"]
    port: int = Field(ge=1, le=65535)
    management: dict[str, Any] = {}
    observability: dict[str, Any] = {}


Exposes = Annotated[
    ExposesRest | ExposesMcp | ExposesSkill | ExposesControl, Field(discriminator="type")
]


class AggregateFlow(Orchestration):
    name: str
    description: str = ""
    tags: list[str] = []
    semantics: Semantics | None = None
    outputMediaType: str | None = None


class Aggregate(SpecModel):
    namespace: str
    display: str | None = None
    flows: list[AggregateFlow] = []  # alpha2 `functions`


class CapabilityBody(SpecModel):
    binds: list[Binding] = []
    consumes: list[ConsumesHttp] = []
    exposes: list[Exposes] = []
    aggregates: list[Aggregate] = []


class CapabilityDocument(SpecModel):
    """The whole file: its spec key and version, ``info``, ``binds`` and ``capability``.

    A root fragment file (only ``consumes``, ``exposes``, ``aggregates`` or ``binds``) is read
    with its sections under ``capability``.
    """

    naftiko: str | None = None
    ikanos: str | None = None
    info: Info = Info()
    binds: list[Binding] = []
    capability: CapabilityBody = CapabilityBody()

    @property
    def spec_version(self) -> str:
        return self.ikanos or self.naftiko or ""
