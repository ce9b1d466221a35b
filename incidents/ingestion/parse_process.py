"""Parsing a large payload in a process of its own, while this one writes.

Parsing and validating is pure Python, and so is much of writing: in one process they take
turns on the interpreter lock, so a parser thread gained nothing. A child process parses
on another core and sends the batches back pickled; reading them back costs a small part
of parsing them. The child needs neither Django nor a database: the parsers import
neither. It is started with ``subprocess``, which works inside Celery's daemonic pool
workers, where ``multiprocessing`` may not start children.

The conversation, over the child's standard streams: the parent writes the payload to its
stdin; the child writes a pickle per message to its stdout: ``("batch", rows)`` for each
batch, then ``("done", None)``, or ``("format_error", message)`` when the payload as a
whole cannot be read, or ``("failed", traceback)`` when the parser broke. The pickles
come from a child of this process, running this code: they are as trusted as the code.
"""

from __future__ import annotations

import contextlib
import gc
import json
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from incidents.ingestion.parsers import parse
from incidents.ingestion.records import FormatError, ParsedRow

ROOT = Path(__file__).resolve().parents[2]  # where ``incidents`` can be imported from


class ParserProcessError(RuntimeError):
    """The parser process broke or ended without finishing."""


def batches(
    format: str, stream: BinaryIO, *, options: dict[str, Any], start: int, size: int
) -> Generator[list[ParsedRow], None, None]:
    """The payload's rows after the first ``start``, parsed here, ``size`` at a time."""
    rows = islice(parse(format, stream, **options), start, None)
    while batch := list(islice(rows, size)):
        yield batch


@contextmanager
def collection_per_batch() -> Generator[None, None, None]:
    """Python's automatic garbage collection off while batches are parsed or written; the
    caller collects the young objects (``gc.collect(1)``) after each batch, once it has
    let go of it.

    A batch is thousands of objects that live until it is written or sent, so the
    collector, which runs every 700 new objects, looked at them again and again: a tenth
    of a run's time, for no cycles to find.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def batches_in_child(
    format: str, stream: BinaryIO, *, options: dict[str, Any], start: int, size: int
) -> Generator[list[ParsedRow], None, None]:
    """The same batches as ``batches``, parsed in a child process.

    Raises FormatError as ``batches`` would, and ParserProcessError when the child breaks.
    Closing the generator early (the writer failed) ends the child.
    """
    request = json.dumps({"format": format, "options": options, "start": start, "size": size})
    # The child's own errors come back as messages; stderr only holds what breaks it
    # before that: a file, so that a long complaint cannot fill a pipe nobody reads yet.
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", "incidents.ingestion.parse_process", request],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        stdin, stdout = cast(IO[bytes], child.stdin), cast(IO[bytes], child.stdout)
        feeder = threading.Thread(target=_feed, args=(stream, stdin), name="ingestion-payload")
        feeder.start()
        try:
            yield from _received(stdout, child, errors)
        finally:
            if child.poll() is None:
                child.kill()  # stopped early: it is not needed any more
            stdout.close()
            child.wait()
            feeder.join()


def _received(
    stdout: IO[bytes], child: subprocess.Popen[bytes], errors: IO[bytes]
) -> Iterator[list[ParsedRow]]:
    while True:
        try:
            kind, value = pickle.load(stdout)
        except (EOFError, pickle.UnpicklingError):  # it ended, perhaps in mid-message
            child.wait()
            errors.seek(0)
            complaint = errors.read().decode(errors="replace").strip()
            raise ParserProcessError(
                f"the parser process ended early (exit code {child.returncode})"
                + (f": {complaint.splitlines()[-1]}" if complaint else "")
            ) from None
        if kind == "batch":
            yield value
        elif kind == "done":
            return
        elif kind == "format_error":
            raise FormatError(value)
        else:
            raise ParserProcessError(f"the parser process failed:\n{value}")


def _feed(stream: BinaryIO, stdin: IO[bytes]) -> None:
    """Copy the payload to the child; it may stop reading early (a format error)."""
    with contextlib.suppress(BrokenPipeError, ValueError):  # the child is gone
        shutil.copyfileobj(stream, stdin, 1 << 20)
    with contextlib.suppress(BrokenPipeError):
        stdin.close()


def main() -> None:
    """The child: parse stdin as the request on the command line says, pickle to stdout."""
    request = json.loads(sys.argv[1])
    out = sys.stdout.buffer

    def send(kind: str, value: Any) -> None:
        pickle.dump((kind, value), out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    try:
        with collection_per_batch():
            for batch in batches(
                request["format"],
                sys.stdin.buffer,
                options=request["options"],
                start=request["start"],
                size=request["size"],
            ):
                send("batch", batch)
                del batch
                gc.collect(1)
    except FormatError as error:
        send("format_error", str(error))
        return
    except BrokenPipeError:  # the parent stopped reading: nothing left to tell it
        return
    except Exception:
        send("failed", traceback.format_exc())
        return
    send("done", None)


if __name__ == "__main__":
    main()
