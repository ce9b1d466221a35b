"""How the OpenAPI schema describes our authentication."""

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


def _describe_export_content(content: dict[str, Any]) -> None:
    if "text/csv" in content:
        content["text/csv"] = {"schema": {"type": "string"}}
    geojson = content.get("application/geo+json")
    if geojson is not None:
        described = str(geojson.get("schema", {}))
        is_list = "Paginated" in described or "'count'" in described
        schema = FEATURE_COLLECTION if is_list else {"type": "object"}
        content["application/geo+json"] = {"schema": schema}
