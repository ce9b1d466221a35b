"""The Ukrainian catalogue is complete: every message translated, none left fuzzy."""

from __future__ import annotations

import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "uk" / "LC_MESSAGES" / "django.po"


def entries() -> list[str]:
    text = CATALOGUE.read_text(encoding="utf-8")
    # Entries are separated by blank lines; the first is the header, obsolete ones start #~.
    return [
        block
        for block in text.split("\n\n")[1:]
        if block.strip() and not block.lstrip().startswith("#~")
    ]


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated, fuzzy = [], []
    for block in entries():
        msgid = re.search(r'^msgid "(.*)"', block, re.MULTILINE)
        if "#, fuzzy" in block or ", fuzzy" in block:
            fuzzy.append(msgid.group(1) if msgid else block)
        translations = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.MULTILINE)
        if not translations or any(not (first + rest).strip('"\n') for first, rest in translations):
            untranslated.append(msgid.group(1) if msgid else block)
    assert (untranslated, fuzzy) == ([], [])
    assert len(entries()) > 400


def test_the_compiled_catalogue_is_committed_beside_it():
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists()
    assert compiled.stat().st_size > 10_000
