"""Request bodies: JSON only, bounded in size and depth, and never silently dropped.

Writes take JSON alone: a report nests its sources, which form and multipart encodings
cannot carry, and a generated client sends the last body type a schema lists.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status
from rest_framework.request import Request

# Deeper than any report (a report's sources are at depth 3): a body nested further is
# refused before anything walks it recursively.
MAX_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(_("The request body is larger than %(max)s bytes.") % {"max": limit})


class LengthRequired(exceptions.APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_detail = _(
        "Send the request body with a Content-Length header: chunked bodies are not read."
    )
    default_code = "length_required"


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than ``MAX_DEPTH``.

    Python's decoder recurses once per level: about a thousand levels exhaust the stack,
    and the serializers recurse again over what it returns.
    """

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(_too_deep()) from error
        if _depth_exceeds(data, MAX_DEPTH):
            raise exceptions.ParseError(_too_deep())
        return data


def _too_deep() -> str:
    return str(_("JSON parse error - nested deeper than %(max)d levels.") % {"max": MAX_DEPTH})


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit``, walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def refuse_unread_body(request: Request) -> None:
    """A chunked body (``Transfer-Encoding: chunked``, no ``Content-Length``) reaches
    Django as an empty one: a PATCH would answer 200 having changed nothing. Refused
    instead, with the reason."""
    meta = request.META
    encoding = meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    if "chunked" in encoding and not meta.get("CONTENT_LENGTH"):
        raise LengthRequired


class JSONBodyMixin:
    """For views that take a body: never a body silently dropped. (Every view parses
    JSON alone, with ``BoundedJSONParser``: ``DEFAULT_PARSER_CLASSES``.)"""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            refuse_unread_body(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
