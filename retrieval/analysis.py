"""Text analysis: one function turns documents and questions into index terms.

Using the same pipeline on both sides is what makes BM25 match at all; a different
tokenizer at query time is the classic silent relevance bug. The steps are:

1. Unicode NFKC normalisation, invisible format characters dropped, accents folded.
2. A tokenizer that keeps IT terms whole (``C++``, ``C#``, ``.NET``, ``Node.js``, ``R``).
3. Compounds: ``back-end``, ``back end`` and ``backend`` all become ``backend`` when the
   solid form is in ``data/compounds.txt``; other hyphenated words split into their parts.
4. Case folding and a stopword list shipped in ``data/stopwords.txt``.
5. nltk's Snowball stemmer (pure code, no downloaded data), memoised because stemming is
   the most expensive step of indexing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from nltk.stem.snowball import SnowballStemmer

_TOKEN = re.compile(
    r"""
    (?:(?<![\w.])\.(?=[^\W\d_]))?      # a leading dot, as in .NET
    [^\W_]+                             # letters and digits
    (?:[.'’\-][^\W_]+)*                 # joined parts: node.js, back-end, what's
    (?:\+\+|\#(?![\w]))?                # C++, C#
    """,
    re.VERBOSE,
)
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u00ad": ""})
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
# Markup tags pasted into a question ("<b>what</b>") are formatting, not words; they are
# blanked with spaces of the same length so token offsets stay valid for highlighting.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s+[^<>]*)?/?>")


def _load_word_list(name: str) -> frozenset[str]:
    text = resources.files("retrieval").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


STOPWORDS: frozenset[str] = _load_word_list("stopwords.txt")
COMPOUNDS: frozenset[str] = _load_word_list("compounds.txt")

_stemmer = SnowballStemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of one lower-case word; symbols and digits are kept as they are."""
    if not word.isalpha():
        return word
    return str(_stemmer.stem(word))


@dataclass(frozen=True, slots=True)
class Token:
    """A surface word and where it sits in the text, before stopwords and stemming."""

    start: int
    end: int
    word: str


def normalize(text: str) -> str:
    """NFKC, Unicode hyphens as ASCII, markup tags blanked, format characters removed.

    The length can change, so offsets are only meaningful on the normalised text.
    """
    text = unicodedata.normalize("NFKC", text).translate(_HYPHENS)
    if "<" in text:
        text = _TAG.sub(lambda m: " " * len(m.group()), text)
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


@lru_cache(maxsize=200_000)
def _fold(word: str) -> str:
    """Case fold and strip accents (café -> cafe)."""
    folded = word.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _surface_words(raw: str) -> list[str]:
    """Split one raw token into the words it stands for (before compounds are joined)."""
    if raw == "IT":  # "IT consultancy": the acronym, not the pronoun
        return ["infotech"]
    word = _fold(raw)
    if word.startswith("."):
        return ["dot" + word[1:].replace(".", "")]
    if word.endswith(("++", "#")):
        return [word]
    if "'" in word or "’" in word:
        return [part for part in re.split(r"['’]", word) if part]
    if "." in word:
        if _NUMBER.match(word):
            return [word]
        return [word.replace(".", "")]
    return [word]


def tokenize(text: str) -> Iterator[Token]:
    """Yield surface tokens of normalised text, hyphenated words already resolved."""
    for match in _TOKEN.finditer(text):
        raw = match.group()
        if "-" in raw and not raw.endswith(("++", "#")):
            parts = [_fold(p) for p in raw.split("-") if p]
            joined = "".join(parts)
            if joined in COMPOUNDS:
                yield Token(match.start(), match.end(), joined)
                continue
            offset = match.start()
            for part in raw.split("-"):
                if part:
                    for word in _surface_words(part):
                        yield Token(offset, offset + len(part), word)
                offset += len(part) + 1
            continue
        for word in _surface_words(raw):
            yield Token(match.start(), match.end(), word)


def _join_compounds(tokens: list[Token]) -> list[Token]:
    """Join neighbours written apart ("back end") when their solid form is a compound."""
    joined: list[Token] = []
    i = 0
    while i < len(tokens):
        if i + 1 < len(tokens):
            pair = tokens[i].word + tokens[i + 1].word
            if pair in COMPOUNDS:
                joined.append(Token(tokens[i].start, tokens[i + 1].end, pair))
                i += 2
                continue
        joined.append(tokens[i])
        i += 1
    return joined


def analyzed_tokens(text: str) -> list[tuple[Token, str]]:
    """Tokens of normalised text with their index term, stopwords removed."""
    tokens = _join_compounds(list(tokenize(normalize(text))))
    return [(tok, stem(tok.word)) for tok in tokens if tok.word not in STOPWORDS]


def analyze(text: str) -> list[str]:
    """Turn a document or a question into index terms (the one analysis function)."""
    return [term for _, term in analyzed_tokens(text)]
