"""From a chat message to the weighted terms the ranker scores.

People do not type search queries: they greet, apologise, quote a colleague and
misspell the one word that matters. The steps, each visible in ``ask --explain``:

1. The message is analysed exactly like documents (``analysis.analyzed_tokens``).
2. Chat filler and question framing ("hi", "what does X stand for", "my colleague keeps
   saying") are dropped, from a shipped list (``data/filler.txt``); a filler word that is
   part of an entry name written out in the question is kept ("product manager").
3. Words the index does not know are corrected to the nearest vocabulary word
   (``spelling.Speller``); what stays unknown is remembered, because an unknown word is
   often the very thing the glossary does not cover.
4. Synonym groups add the other members' terms at a lower weight (``synonyms``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import NamedTuple

from retrieval.analysis import Token, analyzed_tokens, normalize
from retrieval.spelling import Correction, Speller
from retrieval.synonyms import Expansion, Synonyms

MAX_QUESTION_CHARS = 1000
# Filler is matched on plain words (apostrophes and hyphens split), so "what's" is
# "what s" and "co-worker" is "co worker" on both sides.
_WORD = re.compile(r"[^\W_]+")
SYNONYM_WEIGHT = 0.5
# "Why should we use X" asks for X's advantages; "why" itself is a stopword.
QUESTION_INTENTS: dict[str, tuple[str, ...]] = {"why": ("advantag",)}
CORRECTION_WEIGHT = 1.0


class QueryTerm(NamedTuple):
    """One scored term: where it came from and how much it counts.

    A named tuple rather than a frozen dataclass: every word of every question makes
    one, and a frozen dataclass's ``__init__`` costs five times as much.
    """

    term: str
    weight: float
    word: str
    source: str  # "question", "correction" or "synonym"


class Query(NamedTuple):
    """A question after filler removal, typo correction and synonym expansion.

    A named tuple (immutable, and cheaper to make than a frozen dataclass: one per
    question).

    ``unknown`` holds the index terms of words the glossary does not know (not
    corrected); ``sequence`` every remaining term in question order, unknown ones too,
    and ``spans`` where each sits in ``normalized`` (the question after ``normalize``).
    """

    text: str
    terms: tuple[QueryTerm, ...]
    normalized: str = ""
    dropped: tuple[str, ...] = ()
    corrections: tuple[Correction, ...] = ()
    expansions: tuple[Expansion, ...] = ()
    unknown: tuple[str, ...] = ()
    sequence: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()
    truncated: bool = False

    @property
    def analyzed(self) -> tuple[str, ...]:
        """The question's own terms (after corrections), in order, without synonyms."""
        return tuple(t.term for t in self.terms if t.source != "synonym")

    def weights(self) -> dict[str, float]:
        """Total weight per distinct term (a repeated word counts again, as in BM25)."""
        weights: dict[str, float] = {}
        for t in self.terms:
            weights[t.term] = weights.get(t.term, 0.0) + t.weight
        return weights


def prepare_question(question: str) -> tuple[str, bool]:
    """Collapse whitespace and cut over-long questions; returns (text, was it cut)."""
    text = " ".join(question.split())
    if len(text) > MAX_QUESTION_CHARS:
        return text[:MAX_QUESTION_CHARS], True
    return text, False


def _phrases(lines: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """Filler phrases as word tuples, indexed by first word, longest first."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for line in lines:
        words = tuple(_WORD.findall(normalize(line).casefold()))
        if words:
            by_first.setdefault(words[0], []).append(words)
    for options in by_first.values():
        options.sort(key=len, reverse=True)
    return by_first


def shipped_filler() -> list[str]:
    """The filler phrases that ship with glossary-bot."""
    text = resources.files("retrieval").joinpath("data").joinpath("filler.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


class _Found:
    """What ``QueryParser._resolve`` sorts the words of a question into."""

    __slots__ = ("corrections", "dropped", "kept", "spans", "terms", "unknown")

    def __init__(self) -> None:
        self.terms: list[QueryTerm] = []
        self.dropped: list[str] = []
        self.corrections: list[Correction] = []
        self.unknown: list[str] = []
        self.kept: list[str] = []
        self.spans: list[tuple[int, int]] = []

    def add(self, term: QueryTerm, span: tuple[int, int]) -> None:
        self.terms.append(term)
        self.kept.append(term.term)
        self.spans.append(span)

    def correct(self, fix: Correction, span: tuple[int, int]) -> None:
        self.corrections.append(fix)
        self.add(QueryTerm(fix.term, CORRECTION_WEIGHT, fix.wrong, "correction"), span)


class QueryParser:
    """Turns questions into ``Query`` objects for one glossary build."""

    def __init__(
        self,
        *,
        doc_freq: Mapping[str, int],
        names: Iterable[Sequence[str]],
        speller: Speller,
        synonyms: Synonyms,
        filler: Iterable[str] = (),
    ) -> None:
        self._doc_freq = doc_freq
        self._speller = speller
        self._synonyms = synonyms
        self._filler = _phrases(filler)
        # Names are looked up by their first term and length: a common first word
        # ("data") starts dozens of names, but only a few lengths.
        self._names = frozenset(tuple(n) for n in names if n)
        lengths: dict[str, set[int]] = {}
        for name in self._names:
            lengths.setdefault(name[0], set()).add(len(name))
        self._name_lengths = {first: sorted(n) for first, n in lengths.items()}

    def parse(self, question: str) -> Query:
        """The weighted terms for ``question``."""
        text, truncated = prepare_question(question)
        normalized = normalize(text)
        found = _Found()
        matches = list(_WORD.finditer(normalized.casefold()))
        words = [m.group() for m in matches]
        self._resolve(analyzed_tokens(normalized), self._filler_spans(words, matches), found)
        expansions = self._synonyms.expand(found.kept) + _intents(words)
        for expansion in expansions:
            for term in expansion.terms:
                if term in self._doc_freq:
                    found.terms.append(
                        QueryTerm(term, SYNONYM_WEIGHT, " ".join(expansion.phrase), "synonym")
                    )
        return Query(
            text=text,
            normalized=normalized,
            terms=tuple(found.terms),
            dropped=tuple(found.dropped),
            corrections=tuple(found.corrections),
            expansions=tuple(expansions),
            unknown=tuple(found.unknown),
            sequence=tuple(found.kept),
            spans=tuple(found.spans),
            truncated=truncated,
        )

    def _resolve(
        self,
        analyzed: Sequence[tuple[Token, str]],
        filler: Sequence[tuple[int, int]],
        found: _Found,
    ) -> None:
        """Sort each question word into filler, known, corrected or unknown."""
        protected = self._named_positions([term for _, term in analyzed])
        skip = False
        for position, (token, term) in enumerate(analyzed):
            if skip:
                skip = False
                continue
            if (
                filler
                and position not in protected
                and any(lo <= token.start and token.end <= hi for lo, hi in filler)
            ):
                found.dropped.append(token.word)
                continue
            span = (token.start, token.end)
            if term in self._doc_freq:
                found.add(QueryTerm(term, 1.0, token.word, "question"), span)
                continue
            # A typo inside a compound ("fornt-end"): try it joined with the next word.
            if position + 1 < len(analyzed):
                after, _ = analyzed[position + 1]
                joined = token.word + after.word
                fix = self._speller.correct(joined, joined)
                if fix is not None:
                    found.correct(fix, (token.start, after.end))
                    skip = True
                    continue
            fix = self._speller.correct(token.word, term)
            if fix is not None:
                found.correct(fix, span)
            else:
                found.unknown.append(term)
                found.kept.append(term)
                found.spans.append(span)

    def _named_positions(self, terms: Sequence[str]) -> set[int]:
        """Positions of terms that spell out an entry name ("product manager")."""
        positions: set[int] = set()
        for i, term in enumerate(terms):
            for length in self._name_lengths.get(term, ()):
                if i + length <= len(terms) and tuple(terms[i : i + length]) in self._names:
                    positions.update(range(i, i + length))
        return positions

    def _filler_spans(
        self, words: Sequence[str], matches: Sequence[re.Match[str]]
    ) -> list[tuple[int, int]]:
        """Character spans of filler phrases among the question's plain ``words``."""
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            for phrase in self._filler.get(words[i], ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    spans.append((matches[i].start(), matches[i + len(phrase) - 1].end()))
                    i += len(phrase) - 1
                    break
            i += 1
        return spans


def _intents(words: Sequence[str]) -> list[Expansion]:
    """Section intents carried by question words that analysis drops as stopwords."""
    return [
        Expansion((w,), QUESTION_INTENTS[w]) for w in dict.fromkeys(words) if w in QUESTION_INTENTS
    ]
