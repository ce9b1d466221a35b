"""Errors as partners expect them: JSON, always an object, with the status that names them.

A service's ValidationError is a 400 with field messages (a report's rows by list and
position; a rule across fields under ``non_field_errors``, as a serializer's); a body over
the size limit is a 413 (Django calls it a suspicious operation and would answer an HTML
400). An error is JSON whatever format was asked for: a CSV or GeoJSON reader cannot show
an error table, and an error written as a data file would be read as data.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from incidents.api.bodies import PayloadTooLarge
from incidents.services import RowsInvalid


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(error, RowsInvalid):
        rows = {
            name: {str(position): _by_field(row) for position, row in positions.items()}
            for name, positions in error.rows.items()
        }
        error = exceptions.ValidationError(detail=rows)
    elif isinstance(error, DjangoValidationError):
        detail: Any = (
            _by_field(error.message_dict) if hasattr(error, "error_dict") else error.messages
        )
        error = exceptions.ValidationError(detail=detail)
    elif isinstance(error, RequestDataTooBig):
        error = PayloadTooLarge()
    response = drf_exception_handler(error, context)
    if response is None:
        return None
    response.data = error_object(response.data)
    request = context.get("request")
    # Exactly these two: GeoJSON's renderer is a JSONRenderer that would wrap the error in
    # a Feature.
    if request is not None and type(getattr(request, "accepted_renderer", None)) not in (
        JSONRenderer,
        BrowsableAPIRenderer,
    ):
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


def error_object(data: Any) -> dict[str, Any]:
    """Every error body an object: ``{"detail": ...}`` or messages by field. A bare list
    (a validator outside any field) goes under the non-field key, as a serializer's would."""
    if isinstance(data, dict):
        return data
    if isinstance(data, list):
        return {api_settings.NON_FIELD_ERRORS_KEY: data}
    return {"detail": data}


def _by_field(messages: dict[str, list[str]]) -> dict[str, list[str]]:
    """A model's messages by field, those across fields named as DRF names them."""
    return {
        api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name: texts
        for name, texts in messages.items()
    }
