"""Each ingestion format's declaration names a parser and a model that exist."""

from __future__ import annotations

from django.apps import apps

from incidents.ingestion.formats import FORMATS, OPTIONS, Format, format_of
from incidents.ingestion.parsers import PARSERS
from incidents.ingestion.writers import writer_class
from incidents.models.ingestion import FORMAT_CHOICES


def test_every_format_is_declared_once_in_order() -> None:
    assert list(FORMATS) == list(Format)
    assert [value for value, _ in FORMAT_CHOICES] == [format.value for format in Format]


def test_every_format_has_its_parser_and_a_writer_of_its_model() -> None:
    for format, declared in FORMATS.items():
        assert PARSERS[format].__name__ == declared.parser.rsplit(".", 1)[-1]
        assert writer_class(format).model is apps.get_model(declared.model)
        assert format_of(format.value) is declared


def test_the_options_formats_read() -> None:
    assert {"sheet", "acled_event_types", "baseline_year"} == OPTIONS
    assert FORMATS[Format.ACLED].options == {"sheet", "acled_event_types"}
    assert FORMATS[Format.JCC].options == {"sheet"}
