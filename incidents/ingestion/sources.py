"""Getting a payload: from a URL (http/https only, with a timeout and a size limit) or a
local file, copied to the run's own file so a restarted run reads exactly the same bytes."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from django.conf import settings

CHUNK_BYTES = 1 << 16


class SourceError(Exception):
    """The payload cannot be had; trying again will not help."""


class TransientSourceError(SourceError):
    """The payload cannot be had now (network trouble, server error); try again later."""


def is_url(location: str) -> bool:
    return urlsplit(location).scheme.lower() in {"http", "https"}


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in {"http", "https"}:
        raise SourceError(f"Only http and https URLs can be fetched, not {scheme or 'no'} scheme.")


def _copy_limited(source: BinaryIO, target: BinaryIO, *, max_bytes: int, what: str) -> int:
    total = 0
    while chunk := source.read(CHUNK_BYTES):
        total += len(chunk)
        if total > max_bytes:
            raise SourceError(f"{what} is larger than the limit of {max_bytes:,} bytes.")
        target.write(chunk)
    return total


class _NoRedirectToOtherSchemes(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        _check_scheme(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_url(url: str, target: BinaryIO, *, timeout: float, max_bytes: int) -> int:
    """Download ``url`` into ``target``; returns the number of bytes."""
    _check_scheme(url)
    opener = urllib.request.build_opener(_NoRedirectToOtherSchemes())
    request = urllib.request.Request(url, headers={"User-Agent": "Impact ingestion"})
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise SourceError(f"{url} is larger than the limit of {max_bytes:,} bytes.")
            return _copy_limited(response, target, max_bytes=max_bytes, what=url)
    except urllib.error.HTTPError as error:
        if error.code >= 500 or error.code in (408, 429):
            raise TransientSourceError(f"{url} answered {error.code} {error.reason}.") from error
        raise SourceError(f"{url} answered {error.code} {error.reason}.") from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise TransientSourceError(f"{url} could not be reached: {reason}.") from error


def copy_file(path: str, target: BinaryIO, *, max_bytes: int) -> int:
    source = Path(path)
    if not source.is_file():
        raise SourceError(f"{path} is not a readable file.")
    with source.open("rb") as handle:
        return _copy_limited(handle, target, max_bytes=max_bytes, what=path)


def store_payload(location: str, target: BinaryIO) -> int:
    """Copy the payload at ``location`` (URL or local path) into ``target``."""
    max_bytes = settings.INGESTION_MAX_BYTES
    if is_url(location):
        return fetch_url(
            location, target, timeout=settings.INGESTION_FETCH_TIMEOUT, max_bytes=max_bytes
        )
    if "://" in location:
        _check_scheme(location)
    return copy_file(location, target, max_bytes=max_bytes)
