"""Streaming JSON reading: the items of one array, built one at a time with ijson."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson

from incidents.ingestion.parsers.streams import peek
from incidents.ingestion.records import FormatError

# (1-based position in the array, item as decoded)
JsonItem = tuple[int, Any]


def iter_json_items(stream: BinaryIO, *, array_key: str) -> Iterator[JsonItem]:
    """Items of a bare JSON array, or of the array under ``array_key`` in a JSON object.

    Numbers come back as int or float (not Decimal) so ``raw`` stays JSON-serialisable.
    """
    peeked = peek(stream)
    if peeked.first_character == "[":
        prefix = "item"
    elif peeked.first_character == "{":
        prefix = f"{array_key}.item"
    else:
        raise FormatError(f'not JSON: expected an object with a "{array_key}" array or an array')
    seen_array = [prefix == "item"]

    def watch(events: Iterator[tuple[str, str, Any]]) -> Iterator[tuple[str, str, Any]]:
        for event in events:
            if event[0] == array_key and event[1] == "start_array":
                seen_array[0] = True
            yield event

    position = 0
    try:
        events = watch(ijson.parse(peeked.stream, use_float=True))
        for position, item in enumerate(ijson.items(events, prefix), start=1):
            yield position, item
    except ijson.JSONError as error:
        raise FormatError(f"invalid JSON after item {position}: {_first_line(error)}") from None
    if not seen_array[0]:
        raise FormatError(f'the JSON object has no "{array_key}" array')


def check_json(stream: BinaryIO) -> None:
    """Read every token of a JSON document; FormatError where it is invalid or cut short."""
    try:
        for _ in ijson.parse(stream):
            pass
    except ijson.IncompleteJSONError as error:
        raise FormatError(f"invalid JSON: {_first_line(error)} (it may be cut short)") from None
    except ijson.JSONError as error:
        raise FormatError(f"invalid JSON: {_first_line(error)}") from None
    except UnicodeDecodeError as error:
        raise FormatError(f"the file is not UTF-8 text ({error.reason})") from None


def _first_line(error: Exception) -> str:
    # yajl's messages span several lines with a caret diagram; the first line says what is wrong.
    message = error.args[0] if error.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return str(message).strip().splitlines()[0] if str(message).strip() else "unreadable"
