"""The API's reference page, read from its OpenAPI schema so that the two cannot disagree."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

# The schema's objects worth describing on the page, in reading order (pages and errors are described in prose).
OBJECTS = (
    "Decision", "AuthoritySummary", "OrganisationSummary", "Group", "Appeal", "Source", "Authority", "Organisation",
)
_CHOICE = re.compile(r"^\* `(?P<value>[^`]*)` - (?P<label>.*)$")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str = ""
    values: list[tuple[str, str]] = field(default_factory=list)
    repeatable: bool = False
    default: Any = None
    link: str = ""  # the object its type refers to, described on the same page


@dataclass(frozen=True)
class Endpoint:
    operation_id: str
    path: str
    description: list[str]
    path_parameters: list[Field]
    query_parameters: list[Field]
    returns: str


@dataclass(frozen=True)
class ApiReference:
    endpoints: list[Endpoint]
    objects: list[tuple[str, str, list[Field]]]


@lru_cache(maxsize=len(settings.LANGUAGES) + 1)
def api_reference(language: str) -> ApiReference:
    """The endpoints, their parameters and the objects they return, with texts in the given language.

    Cached per language (the cache's key): the schema's lazy descriptions and the type labels are all
    evaluated inside the override, so the reference holds plain strings of that language only.
    """
    with translation.override(language):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        schema = json.loads(OpenApiJsonRenderer().render(schema))
        return reference_from_schema(schema)


def reference_from_schema(schema: dict[str, Any]) -> ApiReference:
    components = schema.get("components", {}).get("schemas", {})
    endpoints = []
    for path, operations in schema["paths"].items():
        operation = operations["get"]
        parameters = operation.get("parameters", [])
        endpoints.append(
            Endpoint(
                operation_id=operation["operationId"],
                path=path,
                description=[part.replace("\n", " ") for part in operation.get("description", "").split("\n\n")],
                path_parameters=[_parameter(p, components) for p in parameters if p["in"] == "path"],
                query_parameters=[_parameter(p, components) for p in parameters if p["in"] == "query"],
                returns=_returns(operation, components),
            )
        )
    objects = [
        (name, _description(components[name])[0], [
            _field(prop_name, prop, components) for prop_name, prop in components[name].get("properties", {}).items()
        ])
        for name in OBJECTS
        if name in components
    ]
    return ApiReference(endpoints=endpoints, objects=objects)


def _parameter(parameter: dict[str, Any], components: dict[str, Any]) -> Field:
    schema = parameter.get("schema", {})
    description, values = _description(parameter)
    is_list = schema.get("type") == "array"
    item = schema.get("items", {}) if is_list else schema
    return Field(
        name=parameter["name"],
        type=_type(item, components),
        description=description,
        values=values or [(str(value), "") for value in item.get("enum", [])],
        repeatable=is_list,
        default=schema.get("default"),
    )


def _field(name: str, schema: dict[str, Any], components: dict[str, Any]) -> Field:
    description, values = _description(schema)
    if not description:
        description = schema.get("title", "")
    enum = _enum(schema, components)
    if enum and not values:
        values = _description(enum)[1] or [(str(value), "") for value in enum.get("enum", [])]
    linked = [ref for ref in _refs(schema) + _refs(schema.get("items", {})) if ref in OBJECTS]
    return Field(
        name=name, type=_type(schema, components), description=description, values=values,
        link=linked[0] if linked else "",
    )


def _description(schema: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """A schema's description without its list of choices, and the choices as (value, label) pairs."""
    text, values = [], []
    for line in schema.get("description", "").splitlines():
        if match := _CHOICE.match(line.strip()):
            values.append((match["value"], match["label"]))
        elif line.strip():
            text.append(line.strip())
    return " ".join(text), values


def _enum(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any] | None:
    for ref in _refs(schema):
        if "enum" in components.get(ref, {}) and ref != "NullEnum":
            return components[ref]
    return None


def _refs(schema: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        return [schema["$ref"].rsplit("/", 1)[-1]]
    return [ref for part in schema.get("allOf", []) + schema.get("oneOf", []) for ref in _refs(part)]


def _type(schema: dict[str, Any], components: dict[str, Any]) -> str:
    """The type of a value for readers, in the active language ("list of Decision", "date or null")."""
    nullable = schema.get("nullable", False)
    if refs := [ref for ref in _refs(schema) if ref != "NullEnum"]:
        ref = refs[0]
        label = pgettext("API type", "string") if "enum" in components.get(ref, {}) else ref
    elif schema.get("type") == "array":
        label = pgettext("API type", "list of %(type)s") % {"type": _type(schema.get("items", {}), components)}
    elif schema.get("type") == "object" and "additionalProperties" in schema:
        label = pgettext("API type", "object")
    else:
        kind, fmt = schema.get("type", ""), schema.get("format", "")
        labels = {
            ("string", "decimal"): pgettext("API type", "decimal string"),
            ("string", "date"): pgettext("API type", "date"),
            ("string", "date-time"): pgettext("API type", "date and time"),
            ("string", "uri"): pgettext("API type", "URL"),
        }
        label = labels.get((kind, fmt)) or _basic_type(kind)
    return pgettext("API type", "%(type)s or null") % {"type": label} if nullable else label


def _basic_type(kind: str) -> str:
    return {
        "string": pgettext("API type", "string"),
        "integer": pgettext("API type", "integer"),
        "number": pgettext("API type", "number"),
        "boolean": pgettext("API type", "boolean"),
        "object": pgettext("API type", "object"),
        "": pgettext("API type", "any"),
    }.get(kind, kind)


def _returns(operation: dict[str, Any], components: dict[str, Any]) -> str:
    schema = operation["responses"]["200"].get("content", {}).get("application/json", {}).get("schema", {})
    refs = _refs(schema)
    results = components.get(refs[0], {}).get("properties", {}).get("results") if refs else None
    if results:
        return pgettext("API type", "page of %(type)s") % {"type": _type(results.get("items", {}), components)}
    return _type(schema, components)
