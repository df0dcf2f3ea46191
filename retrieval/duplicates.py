"""Find near-duplicate entries without comparing every pair of texts.

Real glossaries grow copies: "Back-end Engineer", "Backend Engineer" and "Back End
Developer" written by different people with mostly the same text. Comparing every pair of
full texts is O(n²) and too slow at 10,000 entries, so the work is done in two steps:

1. Candidates. Each entry's answer text becomes a set of shingles (runs of
   ``SHINGLE_TERMS`` words, see ``shingle_terms``), summarised by a
   MinHash signature; locality-sensitive hashing over bands of that signature
   (Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3) pairs only the
   entries that share a band. Entries whose names share an uncommon word are paired too.
2. Verification. A candidate pair is a near-duplicate when the exact Jaccard overlap of
   the shingle sets reaches ``TEXT_OVERLAP``, or ``NAMED_TEXT_OVERLAP`` when the names are
   also alike (rapidfuzz ``token_sort_ratio`` on compound-joined words, so "Back-end" and
   "Backend" read the same).

With 32 bands of 3 rows a pair at 50% overlap becomes a candidate with probability
1 - (1 - 0.5³)³² ≈ 0.986. The hash functions come from a fixed seed and shingles are
numbered in entry order, so the result never changes between runs.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from retrieval.analysis import STOPWORDS, analyzed_tokens, normalize
from retrieval.models import Entry
from retrieval.passages import is_answer_section

SHINGLE_TERMS = 3
TEXT_OVERLAP = 0.5
NAMED_TEXT_OVERLAP = 0.25
NAME_SIMILARITY = 90.0
NAME_WORD_LIMIT = 50
_BANDS = 32
_ROWS = 3
_PRIME = (1 << 31) - 1  # Mersenne prime: a * x + b stays below 2**63 for x, a, b < 2**31
_SEED = 20240319
_TERM_BITS = 21  # three term numbers in one int64
_TERM_MASK = (1 << _TERM_BITS) - 1

_WORD = re.compile(r"[^\W_]+")

Shingles = npt.NDArray[np.int64]

_rng = np.random.default_rng(_SEED)
_A = _rng.integers(1, _PRIME, size=_BANDS * _ROWS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, size=_BANDS * _ROWS, dtype=np.uint64)


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """Two entries with mostly the same text; ``first`` comes first in the input order."""

    first: Entry
    second: Entry
    overlap: float


def name_words(name: str) -> str:
    """A name as comparable words: compounds joined, stopwords dropped, not stemmed."""
    return " ".join(token.word for token, _ in analyzed_tokens(name))


def shingle_terms(text: str) -> list[str]:
    """Words of a text for comparing copies: folded, hyphens joined, stopwords dropped.

    Lighter than the index's ``analyze`` (no stemming, no compound list): copies of an
    entry share their spelling, and full analysis would be nine tenths of the time at
    10,000 entries.
    """
    words = _WORD.findall(normalize(text).casefold().replace("-", ""))
    return [word for word in words if word not in STOPWORDS]


def entry_shingles(entry: Entry, vocabulary: dict[str, int]) -> Shingles:
    """Sorted distinct shingles of an entry's answer text ("See also" lists left out).

    A shingle is ``SHINGLE_TERMS`` term numbers packed into one 63-bit integer, so sets
    stay compact numpy arrays even for 10,000 entries of a hundred passages each.
    """
    text = " ".join(b.text for b in entry.blocks if is_answer_section(b.section))
    ids = np.fromiter(
        (vocabulary.setdefault(term, len(vocabulary)) for term in shingle_terms(text)),
        dtype=np.int64,
    )
    ids &= _TERM_MASK  # past 2**21 distinct terms ids wrap: a rare shared shingle, no error
    if len(ids) < SHINGLE_TERMS:
        packed = ids[:1] if len(ids) == 1 else (ids[:1] << _TERM_BITS) | ids[1:]
    else:
        packed = np.zeros(len(ids) - SHINGLE_TERMS + 1, dtype=np.int64)
        for offset in range(SHINGLE_TERMS):
            packed = (packed << _TERM_BITS) | ids[offset : offset + len(packed)]
    return np.unique(packed)


def jaccard(a: Shingles, b: Shingles) -> float:
    """Share of shingles two texts have in common."""
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def find_near_duplicates(entries: Sequence[Entry]) -> list[NearDuplicate]:
    """Near-duplicate pairs, ordered by the position of their entries in ``entries``."""
    vocabulary: dict[str, int] = {}
    shingles = [entry_shingles(entry, vocabulary) for entry in entries]
    names = [sorted({name_words(n) for n in (e.title, *e.aliases)} - {""}) for e in entries]
    by_text = _text_candidates(shingles)
    found: list[NearDuplicate] = []
    for i, j in sorted(by_text | _name_candidates(names)):
        alike = _names_alike(names[i], names[j])
        if not alike and (i, j) not in by_text:
            continue  # paired for a shared name word only, and the names differ
        overlap = jaccard(shingles[i], shingles[j])
        if overlap >= (NAMED_TEXT_OVERLAP if alike else TEXT_OVERLAP):
            found.append(NearDuplicate(entries[i], entries[j], overlap))
    return found


def _names_alike(a: Sequence[str], b: Sequence[str]) -> bool:
    return any(
        fuzz.token_sort_ratio(x, y, score_cutoff=NAME_SIMILARITY) > 0
        for x, y in itertools.product(a, b)
    )


def _text_candidates(shingles: Sequence[Shingles]) -> set[tuple[int, int]]:
    """Pairs that share at least one band of their MinHash signatures."""
    rows = [i for i, s in enumerate(shingles) if len(s)]
    if len(rows) < 2:
        return set()
    signatures = _signatures([shingles[i] for i in rows])
    pairs: set[tuple[int, int]] = set()
    for band in range(_BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        block = np.ascontiguousarray(signatures[:, band * _ROWS : (band + 1) * _ROWS])
        for position, row in enumerate(rows):
            buckets[block[position].tobytes()].append(row)
        for members in buckets.values():
            pairs.update(itertools.combinations(members, 2))
    return pairs


def _signatures(sets: Sequence[Shingles]) -> npt.NDArray[np.uint64]:
    """MinHash signature of each non-empty set, one row per set."""
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    flat = np.concatenate(sets).astype(np.uint64) % np.uint64(_PRIME)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    signatures = np.empty((len(sets), _BANDS * _ROWS), dtype=np.uint64)
    for h in range(_BANDS * _ROWS):
        hashed = (flat * _A[h] + _B[h]) % np.uint64(_PRIME)
        signatures[:, h] = np.minimum.reduceat(hashed, starts)
    return signatures


def _name_candidates(names: Sequence[Sequence[str]]) -> set[tuple[int, int]]:
    """Pairs whose names share a word that few entries' names use."""
    by_word: dict[str, set[int]] = defaultdict(set)
    for i, entry_names in enumerate(names):
        for name in entry_names:
            for word in name.split():
                by_word[word].add(i)
    pairs: set[tuple[int, int]] = set()
    for members in by_word.values():
        if 1 < len(members) <= NAME_WORD_LIMIT:
            pairs.update(itertools.combinations(sorted(members), 2))
    return pairs
