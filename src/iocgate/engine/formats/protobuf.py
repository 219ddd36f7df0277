"""Protocol Buffers into JSON: the body decoded as the first message of the ``outputSchema``
.proto file (the reference engine's root type), fields by their declared names, present fields
only, 64-bit integers as numbers, enums by name, bytes as base64."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from proto_schema_parser import ast
from proto_schema_parser.parser import Parser

from iocgate.errors import CapabilityError

__all__ = ["read_protobuf"]

_FIELD = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    name: getattr(_FIELD, f"TYPE_{name.upper()}")
    for name in (
        "double", "float", "int64", "uint64", "int32", "fixed64", "fixed32", "bool",
        "string", "bytes", "uint32", "sfixed32", "sfixed64", "sint32", "sint64",
    )
}  # fmt: skip


def _field(
    target: descriptor_pb2.FieldDescriptorProto, name: str, number: int, kind: str, repeated: bool
) -> None:
    target.name, target.number = name, number
    target.label = _FIELD.LABEL_REPEATED if repeated else _FIELD.LABEL_OPTIONAL
    if kind in _SCALARS:
        target.type = _SCALARS[kind]
    else:
        target.type_name = kind  # message or enum: the pool resolves it by scope


def _enum(node: ast.Enum, target: descriptor_pb2.EnumDescriptorProto) -> None:
    target.name = node.name
    for element in node.elements:
        if isinstance(element, ast.EnumValue):
            target.value.add(name=element.name, number=element.number)


def _message(node: ast.Message, target: descriptor_pb2.DescriptorProto) -> None:
    target.name = node.name
    for element in node.elements:
        if isinstance(element, ast.Field):
            repeated = element.cardinality == ast.FieldCardinality.REPEATED
            _field(target.field.add(), element.name, element.number, element.type, repeated)
        elif isinstance(element, ast.MapField):
            entry = target.nested_type.add()
            entry.name = "".join(p.capitalize() for p in element.name.split("_")) + "Entry"
            entry.options.map_entry = True
            _field(entry.field.add(), "key", 1, element.key_type, False)
            _field(entry.field.add(), "value", 2, element.value_type, False)
            _field(target.field.add(), element.name, element.number, entry.name, True)
        elif isinstance(element, ast.OneOf):
            index = len(target.oneof_decl)
            target.oneof_decl.add(name=element.name)
            for member in element.elements:
                if isinstance(member, ast.Field):
                    field = target.field.add()
                    _field(field, member.name, member.number, member.type, False)
                    field.oneof_index = index
        elif isinstance(element, ast.Message):
            _message(element, target.nested_type.add())
        elif isinstance(element, ast.Enum):
            _enum(element, target.enum_type.add())
        # Options, reserved ranges, comments and extensions do not change decoding.


@lru_cache(maxsize=32)
def _root(path: Path, modified: float) -> type[Message]:
    try:
        parsed = Parser().parse(path.read_text(encoding="utf-8"))
        proto = descriptor_pb2.FileDescriptorProto(name=path.name, syntax="proto3")
        if parsed.syntax == "proto2":
            proto.syntax = "proto2"
        roots: list[str] = []
        for element in parsed.file_elements:
            if isinstance(element, ast.Package):
                proto.package = element.name
            elif isinstance(element, ast.Message):
                _message(element, proto.message_type.add())
                roots.append(element.name)
            elif isinstance(element, ast.Enum):
                _enum(element, proto.enum_type.add())
        if not roots:
            raise ValueError("it declares no message")
        pool = descriptor_pool.DescriptorPool()
        pool.Add(proto)
        name = f"{proto.package}.{roots[0]}" if proto.package else roots[0]
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
    except Exception as exc:  # noqa: BLE001 - the parser and the pool raise many kinds
        raise CapabilityError(
            f"the Protobuf schema file {path} cannot be used: {str(exc)[:200]}",
            field="outputSchema",
        ) from None


def _value(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return _tree(value)
    if field.type == FieldDescriptor.TYPE_ENUM:
        described = field.enum_type.values_by_number.get(value) if field.enum_type else None
        return described.name if described else value
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode()
    return value


def _tree(message: Message) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for field, value in message.ListFields():
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            value_field = entry.fields_by_name["value"]
            tree[field.name] = {str(k): _value(value_field, v) for k, v in value.items()}
        elif field.is_repeated:
            tree[field.name] = [_value(field, v) for v in value]
        else:
            tree[field.name] = _value(field, value)
    return tree


def read_protobuf(body: bytes, schema_file: Path) -> dict[str, Any]:
    message = _root(schema_file, schema_file.stat().st_mtime)()
    try:
        message.ParseFromString(body)
    except DecodeError as exc:
        raise ValueError(str(exc) or "not a protobuf message of the schema's root type") from None
    return _tree(message)
