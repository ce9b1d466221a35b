"""Getting a payload: from a URL (http/https only, with a timeout and a size limit) or a
local file, copied to the run's own file so a restarted run reads exactly the same bytes."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any, BinaryIO
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


def _check_address(address: str) -> None:
    """Refuse the server's own network: loopback, private, link-local and reserved ranges."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        raise SourceError(
            f"Feeds may not fetch from private, loopback or reserved addresses ({ip}); "
            "set INGESTION_ALLOW_PRIVATE_ADDRESSES to allow it."
        )


def _guarded_create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
    """socket.create_connection, refusing the connection if its peer is on a private network.

    The check is on the address actually connected to, after name resolution, so a host
    name that resolves to an internal address (or changes between two lookups) is caught.
    """
    sock = socket.create_connection(address, *args, **kwargs)
    try:
        _check_address(sock.getpeername()[0])
    except SourceError:
        sock.close()
        raise
    return sock


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_create_connection


class _PublicOnlyHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_GuardedHTTPConnection, req)


class _PublicOnlyHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_GuardedHTTPSConnection, req)


class _NoRedirectToOtherSchemes(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        _check_scheme(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_url(
    url: str,
    target: BinaryIO,
    *,
    timeout: float,
    max_bytes: int,
    allow_private: bool = True,
) -> int:
    """Download ``url`` into ``target``; returns the number of bytes.

    With ``allow_private=False`` every connection (redirects included) must reach a public
    address; environment proxies are not used then, as they would hide the real peer.
    """
    _check_scheme(url)
    handlers: list[Any] = [_NoRedirectToOtherSchemes()]
    if not allow_private:
        handlers += [
            urllib.request.ProxyHandler({}),
            _PublicOnlyHTTPHandler(),
            _PublicOnlyHTTPSHandler(),
        ]
    opener = urllib.request.build_opener(*handlers)
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
    except urllib.error.URLError as error:
        if isinstance(error.reason, SourceError):
            raise error.reason from error
        raise TransientSourceError(f"{url} could not be reached: {error.reason}.") from error
    except (TimeoutError, ConnectionError) as error:
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
            location,
            target,
            timeout=settings.INGESTION_FETCH_TIMEOUT,
            max_bytes=max_bytes,
            allow_private=settings.INGESTION_ALLOW_PRIVATE_ADDRESSES,
        )
    if "://" in location:
        _check_scheme(location)
    return copy_file(location, target, max_bytes=max_bytes)
