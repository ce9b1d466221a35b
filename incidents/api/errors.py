"""Errors as partners expect them: a service's ValidationError is a 400 with field messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(error: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(error, DjangoValidationError):
        detail: Any = error.message_dict if hasattr(error, "error_dict") else error.messages
        error = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(error, context)
