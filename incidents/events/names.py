"""Settlement names compared across English, Ukrainian and Russian spellings.

Reports name the same town as "Kharkiv", "Харків", "Харьков" or "Kharkov", with any of four
apostrophes. Two names are the same place when their normalised forms, their Latin
transliterations or their consonant skeletons agree. The skeleton drops vowels and soft
signs and merges г/h/g, which is where Ukrainian and Russian spellings of one name differ
(Kharkiv/Kharkov, Chernihiv/Chernigov, Rivne/Rovno); it is loose, so it is only ever one
piece of evidence beside the distance and the region, never a match on its own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from incidents.ingestion.gazetteer import normalise

# The national transliteration of 2010 (the one OCHA's English names follow), plus the
# letters only Russian has.
_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia", "ё": "e", "ы": "y", "э": "e", "ъ": "",
}  # fmt: skip
# At the start of a word these letters take another form ("Yahotyn", "Yizhakevychi").
_LATIN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
# "м. Харків", "смт Козелець", "city of Kyiv": the kind of place is not its name.
_PLACE_WORDS = re.compile(
    r"^(?:(?:м|с|смт|сел|г|пос|село|селище|місто|город|city|town|village|city of)\.?\s+)+"
)
# Sounds written with two Latin letters become one symbol, so that the skeleton keeps them
# whole; the longest first.
_DIGRAPHS = (("shch", "š"), ("zgh", "zh"), ("zh", "ž"), ("kh", "x"), ("ts", "c"),
             ("ch", "č"), ("sh", "š"), ("g", "h"))  # fmt: skip
_VOWELS = re.compile(r"[aeiouyj]+")
_NOT_LETTERS = re.compile(r"[^a-zšžč]+")


def _transliterate_word(word: str) -> str:
    if not word:
        return word
    first = _LATIN_INITIAL.get(word[0]) or _LATIN.get(word[0], word[0])
    return first + "".join(_LATIN.get(letter, letter) for letter in word[1:])


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """The name as compared: case, apostrophes, hyphens and place words ignored."""
    normal = normalise(name.replace("-", " "))
    return _PLACE_WORDS.sub("", normal).strip()


@lru_cache(maxsize=4096)
def latin(name: str) -> str:
    """The name in Latin letters (Cyrillic transliterated, Latin left as it is)."""
    return " ".join(_transliterate_word(word) for word in name_key(name).split())


@lru_cache(maxsize=4096)
def skeleton(name: str) -> str:
    """Consonants only, repeated ones once: "Kharkiv", "Харьков" and "Kharkov" give "xrkv"."""
    text = latin(name)
    for digraph, symbol in _DIGRAPHS:
        text = text.replace(digraph, symbol)
    text = _NOT_LETTERS.sub("", _VOWELS.sub("", text))
    return re.sub(r"(.)\1+", r"\1", text)


def same_settlement(first: str, second: str) -> bool | None:
    """Whether two names are one place; None when either is empty (nothing to compare)."""
    first_key, second_key = name_key(first), name_key(second)
    if not first_key or not second_key:
        return None
    if first_key == second_key or latin(first) == latin(second):
        return True
    first_skeleton = skeleton(first)
    # A single consonant is too common a skeleton to mean anything; two already tell
    # "Kyiv"/"Kiev" ("kv") from most names.
    return len(first_skeleton) >= 2 and first_skeleton == skeleton(second)
