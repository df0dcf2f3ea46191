"""The ranker's fields of one entry, analysed once, with its passages.

Besides the passage index the ranker needs, per entry, its names (title, aliases,
learned acronyms) and the whole entry as one document, and per passage its section
heading and item label, all as analysed terms. Analysing them is Python work of the
same kind as analysing passages, so it is done at the same time, kept in the file's
build record and in the on-disk cache, and a start or a reload only concatenates
arrays (``retrieval.fields``) instead of analysing 50,000 names and 200,000 headings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from retrieval.analysis import analyze, normalize, tokenize
from retrieval.counts import Int32Array, IntArray, TermCounts, joined
from retrieval.models import Passage
from retrieval.names import entry_names


@dataclass(frozen=True, slots=True, eq=False)
class Ragged:
    """Term-id lists of several documents: ``ids`` one after the other, ``lengths`` each."""

    ids: Int32Array
    lengths: IntArray

    def __len__(self) -> int:
        return len(self.lengths)

    @classmethod
    def of(cls, docs: Sequence[Sequence[int]]) -> Ragged:
        """From per-document id lists."""
        return cls(
            np.fromiter(chain.from_iterable(docs), dtype=np.int32),
            np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)),
        )

    @classmethod
    def empty(cls) -> Ragged:
        """No document."""
        return cls(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64))

    @classmethod
    def concatenate(cls, parts: Sequence[Ragged]) -> Ragged:
        """The documents of ``parts``, one after the other."""
        if not parts:
            return cls.empty()
        return cls(
            joined([p.ids for p in parts]).astype(np.int32, copy=False),
            joined([p.lengths for p in parts]).astype(np.int64, copy=False),
        )

    def owners(self) -> IntArray:
        """For every id, the number of the document it belongs to."""
        return np.repeat(np.arange(len(self.lengths), dtype=np.int64), self.lengths)

    def remapped(self, mapping: Int32Array) -> Ragged:
        """The same documents with term id ``i`` renamed ``mapping[i]``."""
        return Ragged(mapping[self.ids], self.lengths)


@dataclass(frozen=True, slots=True, eq=False)
class FieldTerms:
    """One entry's names and whole-entry counts, and its passages' headings and labels."""

    names: tuple[str, ...]
    name_terms: Ragged  # one document per name
    section_terms: Ragged  # one document per passage (empty: no section)
    label_terms: Ragged  # one document per passage (empty: no label)
    entry_counts: TermCounts  # one document: every passage's terms, in order
    words: tuple[str, ...] = ()  # the names' words as written (for typo correction) ...
    word_terms: Int32Array = field(
        default_factory=lambda: np.zeros(0, dtype=np.int32)
    )  # ... their terms

    @classmethod
    def empty(cls) -> FieldTerms:
        """The fields of a file without an entry."""
        return cls((), Ragged.empty(), Ragged.empty(), Ragged.empty(), TermCounts.empty())

    def remapped(self, mapping: Int32Array) -> FieldTerms:
        """The same fields with another lexicon's ids (worker processes have their own)."""
        return FieldTerms(
            self.names,
            self.name_terms.remapped(mapping),
            self.section_terms.remapped(mapping),
            self.label_terms.remapped(mapping),
            self.entry_counts.remapped(mapping),
            self.words,
            mapping[self.word_terms],
        )


def field_terms(
    passages: Sequence[Passage],
    passage_ids: Sequence[Sequence[int]],
    to_ids: Callable[[Sequence[str]], list[int]],
) -> FieldTerms:
    """The fields of one entry's ``passages`` (whose term ids are ``passage_ids``).

    Names are learned from the first passage (the start of the lead, where glossaries
    spell acronyms out); a heading repeated on many passages is analysed once.
    """
    if not passages:
        return FieldTerms.empty()
    first = passages[0]
    lead = first.text if first.section is None else ""
    names = entry_names(first.title, first.aliases, lead)
    analysed: dict[str | None, list[int]] = {None: []}

    def heading(text: str | None) -> list[int]:
        found = analysed.get(text)
        if found is None:
            found = analysed[text] = to_ids(analyze(text or ""))
        return found

    whole = Counter(chain.from_iterable(passage_ids))
    words = name_words(names)
    return FieldTerms(
        names,
        Ragged.of([to_ids(analyze(name)) for name in names]),
        Ragged.of([heading(p.section) for p in passages]),
        Ragged.of([heading(p.label) for p in passages]),
        TermCounts.build(list(whole), list(whole.values()), [len(whole)], [whole.total()]),
        tuple(words),
        np.asarray(to_ids(list(words.values())), dtype=np.int32),
    )


def name_words(names: Sequence[str]) -> dict[str, str]:
    """The alphabetic words of ``names`` as written, each with its index term.

    Typo correction compares what people type with these surface forms; words that are
    stopwords have no term and are left out.
    """
    words: dict[str, str] = {}
    for tok in tokenize(normalize("\n".join(names))):
        word = tok.word
        if word not in words and word.isalpha():
            terms = analyze(word)
            if terms:
                words[word] = terms[0]
    return words
