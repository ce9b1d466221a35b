"""What the OpenAPI schema says beyond what drf-spectacular finds: our authentication, the
shape of exports, the errors every operation may answer, links between operations, and
that request bodies take no property they do not list."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "incidents.api.authentication.PartnerKeyAuthentication"
    name = "PartnerApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, as issued to your organisation by Impact staff.",
        }


FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


def describe_exports(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Exports are not paginated JSON: a CSV file is text, a GeoJSON list is a
    FeatureCollection, a GeoJSON detail a Feature (postprocessing hook)."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for response in operation.get("responses", {}).values():
                _describe_export_content(response.get("content", {}))
    return result


ERROR = {
    "type": "object",
    "description": "`detail` with a message, or messages by field name (`non_field_errors` "
    "for the request as a whole).",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
# Answers any operation may give, and those only operations with a body may give.
ERRORS = {
    "400": "Invalid parameters or body, with messages by field.",
    "401": "A wrong, expired or revoked API key.",
    "403": "No permission for this operation or record.",
    "404": "Not found, not visible to this caller, or an unknown format.",
    "406": "No format matches the Accept header (name one with ?format=).",
    "429": "Too many requests; retry after Retry-After seconds.",
}
BODY_ERRORS = {
    "411": "A chunked body: send the body with a Content-Length.",
    "413": "The body is larger than the accepted size.",
    "415": "The body is not JSON.",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds until the rate limit lets requests through again.",
    }
}


def describe_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Document the error answers (always JSON, whatever format was asked for), so that
    generated clients parse them instead of failing on an undocumented status."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            errors = {**ERRORS, **(BODY_ERRORS if "requestBody" in operation else {})}
            for status, description in errors.items():
                if status in responses:
                    continue
                responses[status] = {
                    "description": description,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
                if status == "429":
                    responses[status]["headers"] = RETRY_AFTER
    return result


# A record's id in a create's answer addresses it for reading and editing.
RECORD_LINKS = {
    "/api/v1/incidents/": (
        "post",
        "201",
        "/api/v1/incidents/{id}/",
        {"get": "Read", "put": "Replace", "patch": "Update"},
    ),
}


def describe_links(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """OpenAPI links from a created record to the operations on it, for clients and for
    stateful testing."""
    paths = result.get("paths", {})
    for path, (method, status, target, verbs) in RECORD_LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        operations = paths.get(target, {})
        if response is None:
            continue
        response["links"] = {
            f"{verb}Created": {
                "operationId": operations[method_name]["operationId"],
                "parameters": {"id": "$response.body#/id"},
            }
            for method_name, verb in verbs.items()
            if method_name in operations
        }
    return result


def _describe_export_content(content: dict[str, Any]) -> None:
    if "text/csv" in content:
        content["text/csv"] = {"schema": {"type": "string"}}
    geojson = content.get("application/geo+json")
    if geojson is not None:
        described = str(geojson.get("schema", {}))
        is_list = "Paginated" in described or "'count'" in described
        schema = FEATURE_COLLECTION if is_list else {"type": "object"}
        content["application/geo+json"] = {"schema": schema}


def describe_strict_inputs(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Request bodies take the properties listed and no other (an unknown one is a 400):
    every object a request body reaches says so, for generated clients and validators."""
    schemas = result.get("components", {}).get("schemas", {})
    pending = [
        media.get("schema", {})
        for path in result.get("paths", {}).values()
        for operation in path.values()
        for media in operation.get("requestBody", {}).get("content", {}).values()
    ]
    seen: set[str] = set()
    while pending:
        schema = pending.pop()
        name = schema.get("$ref", "").rpartition("/")[2]
        if name:
            if name not in seen and name in schemas:
                seen.add(name)
                pending.append(schemas[name])
            continue
        if "properties" in schema:
            schema["additionalProperties"] = False
            pending.extend(schema["properties"].values())
        if "items" in schema:
            pending.append(schema["items"])
        pending.extend(schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []))
    return result
