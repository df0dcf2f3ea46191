"""Text analysis: one function turns documents and questions into index terms.

Using the same pipeline on both sides is what makes BM25 match at all; a different
tokenizer at query time is the classic silent relevance bug. The steps are:

1. Unicode NFKC normalisation, invisible format characters dropped, accents folded.
2. A tokenizer that keeps IT terms whole (``C++``, ``C#``, ``.NET``, ``Node.js``, ``R``).
3. Compounds: ``back-end``, ``back end`` and ``backend`` all become ``backend`` when the
   solid form is in ``data/compounds.txt``; other hyphenated words split into their parts.
4. Case folding and a stopword list shipped in ``data/stopwords.txt``.
5. nltk's Snowball stemmer (pure code, no downloaded data).

Analysis was most of the Python work of a cold build, and a glossary says the same words
over and over, so the rules are memoised: per raw token (``_pieces``), per word
(``_term``), per whitespace-separated chunk of text (``_chunk``) and per short text; a
known chunk costs one dictionary look-up. ``analyze`` (index terms only) and
``analyzed_tokens`` (with offsets, for questions and highlighting) run those same rules
and the same compound join; only their bookkeeping differs, and tests hold them equal.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from itertools import chain, compress
from operator import itemgetter
from typing import NamedTuple

from retrieval.snowball import SnowballStemmer

_MEMO = 200_000  # words per memo: a large glossary's vocabulary, a few tens of MB at most
_TOKEN_PATTERN = r"""
    (?:(?<![\w.])\.(?=[^\W\d_]))?      # a leading dot, as in .NET
    [^\W_]+                             # letters and digits
    (?:[.'’\-][^\W_]+)*                 # joined parts: node.js, back-end, what's
    (?:\+\+|\#(?![\w]))?                # C++, C#
    """
_TOKEN = re.compile(_TOKEN_PATTERN, re.VERBOSE)
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u00ad": ""})
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
_APOSTROPHES = re.compile(r"['’]")
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
# Every word a compound can start with: only these are joined with the next word and
# looked up, instead of concatenating every pair of neighbours.
_COMPOUND_HEADS = frozenset(c[:i] for c in COMPOUNDS for i in range(1, len(c) + 1))

_stemmer = SnowballStemmer("english")


@lru_cache(maxsize=_MEMO)
def stem(word: str) -> str:
    """Snowball stem of one lower-case word; symbols and digits are kept as they are."""
    if not word.isalpha():
        return word
    return str(_stemmer.stem(word))


# The term of every word met so far (None: a stopword). A dictionary rather than an
# ``lru_cache`` so that a start can fill it with the words of the glossary's own text
# (``learn_words``, from the cache): a question's first use of a word then costs no
# Snowball stem (7 us a word). Emptied when full, so it never outgrows ``_MEMO``.
_word_terms: dict[str, str | None] = {}
_UNSEEN = object()
_recording = threading.local()  # per thread: where a build notes the words it met


def _term(word: str) -> str | None:
    """The index term of one word, or None for a stopword."""
    term = _word_terms.get(word, _UNSEEN)
    if term is not _UNSEEN:
        return term  # type: ignore[return-value]  # a str or None here
    term = None if word in STOPWORDS else stem(word)
    if len(_word_terms) >= _MEMO:
        _word_terms.clear()
    _word_terms[word] = term
    noted: list[tuple[str, str]] | None = getattr(_recording, "words", None)
    if noted is not None and term is not None:
        noted.append((word, term))
    return term


@contextmanager
def recording_words() -> Iterator[list[tuple[str, str]]]:
    """Note the (word, term) pairs this thread analyses for the first time in the block.

    A build wraps the analysis of its files in it, so that the words of the documents
    (and only those: a question in another thread is not noted) can be kept with the
    glossary's cache and learnt again at the next start.
    """
    outer = getattr(_recording, "words", None)
    noted: list[tuple[str, str]] = []
    _recording.words = noted
    try:
        yield noted
    finally:
        _recording.words = outer
        if outer is not None:
            outer.extend(noted)


def learn_words(pairs: Iterable[tuple[str, str]]) -> None:
    """Remember words' terms that this code's analysis gave elsewhere (a worker process,
    the cache of an earlier start), as if they had been analysed here."""
    for word, term in pairs:
        if len(_word_terms) >= _MEMO:
            break
        _word_terms.setdefault(word, term)


class Token(NamedTuple):
    """A surface word and where it sits in the text, before stopwords and stemming.

    A named tuple: a question makes one per word, cheaper than a frozen dataclass."""

    start: int
    end: int
    word: str


def normalize(text: str) -> str:
    """NFKC, Unicode hyphens as ASCII, markup tags blanked, format characters removed.

    The length can change, so offsets are only meaningful on the normalised text.
    ASCII text is already in NFKC and has no Unicode hyphen, so it skips those steps.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_HYPHENS)
    if "<" in text:
        text = _TAG.sub(lambda m: " " * len(m.group()), text)
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


@lru_cache(maxsize=_MEMO)
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
        return [part for part in _APOSTROPHES.split(word) if part]
    if "." in word:
        if _NUMBER.match(word):
            return [word]
        return [word.replace(".", "")]
    return [word]


@lru_cache(maxsize=_MEMO)
def _pieces(raw: str) -> tuple[tuple[int, int, str], ...]:
    """The words one raw token stands for, each with its span inside the token."""
    if "-" in raw and not raw.endswith(("++", "#")):
        joined = "".join(_fold(p) for p in raw.split("-") if p)
        if joined in COMPOUNDS:
            return ((0, len(raw), joined),)
        pieces: list[tuple[int, int, str]] = []
        offset = 0
        for part in raw.split("-"):
            if part:
                pieces.extend((offset, offset + len(part), w) for w in _surface_words(part))
            offset += len(part) + 1
        return tuple(pieces)
    return tuple((0, len(raw), word) for word in _surface_words(raw))


def tokenize(text: str) -> Iterator[Token]:
    """Yield surface tokens of normalised text, hyphenated words already resolved."""
    for match in _TOKEN.finditer(text):
        start = match.start()
        for begin, end, word in _pieces(match.group()):
            yield Token(start + begin, start + end, word)


def _compound_starts(words: Sequence[str]) -> list[int]:
    """Where a word and the next one, written apart ("back end"), form a compound.

    Left to right, a word joined to the one before it never starts another compound.
    """
    starts: list[int] = []
    free = 0
    heads = map(_COMPOUND_HEADS.__contains__, words)
    for i in compress(range(len(words) - 1), heads):
        if i >= free and words[i] + words[i + 1] in COMPOUNDS:
            starts.append(i)
            free = i + 2
    return starts


def _join_compounds(tokens: list[Token]) -> list[Token]:
    """Join neighbours written apart ("back end") when their solid form is a compound."""
    for i in reversed(_compound_starts([tok.word for tok in tokens])):
        first, second = tokens[i], tokens[i + 1]
        tokens[i : i + 2] = [Token(first.start, second.end, first.word + second.word)]
    return tokens


def analyzed_tokens(text: str) -> list[tuple[Token, str]]:
    """Tokens of normalised text with their index term, stopwords removed."""
    tokens = _join_compounds(list(tokenize(normalize(text))))
    return [(tok, term) for tok in tokens if (term := _term(tok.word)) is not None]


class _Chunk(NamedTuple):
    """What one whitespace-separated piece of text ("end.", "(C++)") stands for."""

    words: tuple[str, ...]  # before compounds are joined across chunks
    terms: tuple[str, ...]  # of the chunk alone
    first: str  # its first word ("" when it has none)
    open_end: bool  # its last word may start a compound with the next chunk's first


# Field getters by position: mapped over every chunk, faster than by name.
_WORDS, _TERMS, _FIRST, _OPEN_END = (itemgetter(i) for i in range(len(_Chunk._fields)))


def _chunk(chunk: str) -> _Chunk:
    """Analyse one chunk: no token holds whitespace or looks past it (the lookarounds of
    ``_TOKEN`` see a space and the end of the text alike), so a text's tokens are its
    chunks' tokens, and a chunk recurs like a word does."""
    words = tuple(word for raw in _TOKEN.findall(chunk) for _, _, word in _pieces(raw))
    if not words:
        return _Chunk((), (), "", False)
    return _Chunk(words, tuple(_terms(list(words))), words[0], words[-1] in _COMPOUND_HEADS)


# Chunks by their text, and the terms of short texts (names, headings, a passage's
# title line, asked again for every passage of the entry). Plain dictionaries, looked up
# with one ``map`` over a text's chunks: an ``lru_cache`` keeps its order on every hit,
# which was a sixth of ``analyze``. Emptied when full, so they never outgrow ``_MEMO``.
_chunks: dict[str, _Chunk] = {}
_short_texts: dict[str, tuple[str, ...]] = {}
_SHORT = 120  # characters
_SHORT_MEMO = 50_000


def _chunks_of(text: str) -> list[_Chunk]:
    parts = normalize(text).split()
    found = list(map(_chunks.get, parts))
    if None in found:
        if len(_chunks) + len(parts) > _MEMO:
            _chunks.clear()
        for i, chunk in enumerate(found):
            if chunk is None:
                found[i] = _chunks[parts[i]] = _chunk(parts[i])
    return found  # type: ignore[return-value]  # no None is left


def _terms(words: list[str]) -> list[str]:
    """Index terms of consecutive words: compounds joined, stopwords dropped, stems."""
    for i in reversed(_compound_starts(words)):
        words[i : i + 2] = [words[i] + words[i + 1]]
    return [term for term in map(_term, words) if term is not None]


def analyze(text: str) -> list[str]:
    """Turn a document or a question into index terms (the one analysis function).

    The terms of ``analyzed_tokens``, put together from memoised chunks: a chunk's own
    terms, unless a compound is written across two of them ("back end"), when the words
    of all chunks are joined again as one run.
    """
    if len(text) <= _SHORT:
        known = _short_texts.get(text)
        if known is None:
            if len(_short_texts) >= _SHORT_MEMO:
                _short_texts.clear()
            known = _short_texts[text] = tuple(_analyze(text))
        return list(known)
    return _analyze(text)


def _analyze(text: str) -> list[str]:
    chunks = _chunks_of(text)
    end = len(chunks)
    for i in compress(range(end), map(_OPEN_END, chunks)):
        after = i + 1
        while after < end and not chunks[after].first:  # the next chunk with a word
            after += 1
        if after < end and chunks[i].words[-1] + chunks[after].first in COMPOUNDS:
            return _terms(list(chain.from_iterable(map(_WORDS, chunks))))
    return list(chain.from_iterable(map(_TERMS, chunks)))
