"""Looking at the start of an upload before parsing it, without reading the rest.

Parsers must tell a CSV from JSON, and text from binary, from the first bytes. Streams from
uploads and HTTP responses cannot seek, so the bytes looked at are replayed in front of the
rest of the stream.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from incidents.ingestion.records import FormatError

if TYPE_CHECKING:
    from typing_extensions import Buffer

HEAD_SIZE = 64 * 1024
_BOM = codecs.BOM_UTF8


class ReplayStream(io.RawIOBase):
    """``head`` followed by whatever ``rest`` still has to give."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer) -> int:
        target = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(target), len(self._head))
            target[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        chunk = self._rest.read(len(target))
        target[: len(chunk)] = chunk
        return len(chunk)


@dataclass(frozen=True)
class Peeked:
    """The first bytes of a stream (without a UTF-8 BOM) and the whole stream to read on."""

    head: bytes
    stream: BinaryIO

    @property
    def first_character(self) -> str:
        """The first non-whitespace character, e.g. ``{`` or ``[`` for JSON."""
        stripped = self.head.lstrip()
        return chr(stripped[0]) if stripped else ""


def peek(stream: BinaryIO, *, size: int = HEAD_SIZE) -> Peeked:
    """Read up to ``size`` bytes, check that they are UTF-8 text, and keep them for replay.

    Raises FormatError for empty input, binary data and text in another encoding (Excel often
    saves Ukrainian CSV files as Windows-1251), so the reader is told what to fix.
    """
    head = _read_up_to(stream, size)
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    if not head.strip():
        raise FormatError("the file is empty")
    if head.startswith(b"PK\x03\x04"):
        raise FormatError("the file is an Excel workbook (xlsx) or another zip archive, not text")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FormatError("the file is UTF-16 text; save it as UTF-8")
    if b"\x00" in head:
        raise FormatError("the file is binary data, not text (CSV or JSON)")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as error:
        raise FormatError(
            f"the file is not UTF-8 text (byte 0x{head[error.start]:02x} at offset "
            f"{error.start}); save it as UTF-8"
        ) from None
    replay = io.BufferedReader(ReplayStream(head, stream))
    return Peeked(head=head, stream=replay)


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    # A raw stream may return fewer bytes than asked for before the end is reached.
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
