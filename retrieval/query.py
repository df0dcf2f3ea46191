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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from retrieval.analysis import analyzed_tokens, normalize, tokenize
from retrieval.spelling import Correction, Speller
from retrieval.synonyms import Expansion, Synonyms

MAX_QUESTION_CHARS = 1000
SYNONYM_WEIGHT = 0.5
CORRECTION_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One scored term: where it came from and how much it counts."""

    term: str
    weight: float
    word: str
    source: str  # "question", "correction" or "synonym"


@dataclass(frozen=True, slots=True)
class Query:
    """A question after filler removal, typo correction and synonym expansion."""

    text: str
    terms: tuple[QueryTerm, ...]
    dropped: tuple[str, ...] = ()
    corrections: tuple[Correction, ...] = ()
    expansions: tuple[Expansion, ...] = ()
    unknown: tuple[str, ...] = ()
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
        words = tuple(tok.word for tok in tokenize(normalize(line)))
        if words:
            by_first.setdefault(words[0], []).append(words)
    for options in by_first.values():
        options.sort(key=len, reverse=True)
    return by_first


def shipped_filler() -> list[str]:
    """The filler phrases that ship with glossary-bot."""
    text = resources.files("retrieval").joinpath("data").joinpath("filler.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


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
        self._names: dict[str, list[tuple[str, ...]]] = {}
        for name in {tuple(n) for n in names if n}:
            self._names.setdefault(name[0], []).append(name)

    def parse(self, question: str) -> Query:
        """The weighted terms for ``question``."""
        text, truncated = prepare_question(question)
        normalized = normalize(text)
        analyzed = analyzed_tokens(normalized)
        protected = self._named_positions([term for _, term in analyzed])
        spans = self._filler_spans(normalized)
        terms: list[QueryTerm] = []
        dropped: list[str] = []
        corrections: list[Correction] = []
        unknown: list[str] = []
        for position, (token, term) in enumerate(analyzed):
            if position not in protected and any(
                lo <= token.start and token.end <= hi for lo, hi in spans
            ):
                dropped.append(token.word)
            elif term in self._doc_freq:
                terms.append(QueryTerm(term, 1.0, token.word, "question"))
            elif (fix := self._speller.correct(token.word, term)) is not None:
                corrections.append(fix)
                terms.append(QueryTerm(fix.term, CORRECTION_WEIGHT, token.word, "correction"))
            else:
                unknown.append(token.word)
        expansions = self._synonyms.expand([t.term for t in terms])
        for expansion in expansions:
            for term in expansion.terms:
                if term in self._doc_freq:
                    terms.append(
                        QueryTerm(term, SYNONYM_WEIGHT, " ".join(expansion.phrase), "synonym")
                    )
        return Query(
            text=text,
            terms=tuple(terms),
            dropped=tuple(dropped),
            corrections=tuple(corrections),
            expansions=tuple(expansions),
            unknown=tuple(unknown),
            truncated=truncated,
        )

    def _named_positions(self, terms: Sequence[str]) -> set[int]:
        """Positions of terms that spell out an entry name ("product manager")."""
        positions: set[int] = set()
        for i, term in enumerate(terms):
            for name in self._names.get(term, ()):
                if tuple(terms[i : i + len(name)]) == name:
                    positions.update(range(i, i + len(name)))
        return positions

    def _filler_spans(self, normalized: str) -> list[tuple[int, int]]:
        """Character spans of filler phrases in the normalised question."""
        tokens = list(tokenize(normalized))
        words = [tok.word for tok in tokens]
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            for phrase in self._filler.get(words[i], ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    spans.append((tokens[i].start, tokens[i + len(phrase) - 1].end))
                    i += len(phrase) - 1
                    break
            i += 1
        return spans
