"""Typo correction against the glossary's own vocabulary, with rapidfuzz.

A question word is only corrected when the index does not know it at all: a word the
glossary uses is never "fixed" into another one. Candidates are index terms (stems) and
the surface words of entry names, within an optimal-string-alignment distance (a swap of
two neighbouring letters costs one) of 1 for words of 5-7 letters and 2 from 8 letters
on (counted on the word or on its stem, whichever is compared). Four-letter words are
only corrected by swapping two neighbouring letters (after the first) into a word of an
entry's name ("cros" -> "cors"), and shorter ones never, because too many real terms
(``grpc``, ``ldap``) sit one edit from an unrelated word. Typos rarely change the first letter, so candidates are
bucketed by first letter and length, which keeps a look-up to a few thousand comparisons
even on a large glossary; each word's result is cached for the life of the vocabulary.

Ties are broken the way a reader would: the fewest edits for the length compared (one
edit in a whole word beats one in a stem), then a word that names an
entry (people ask about glossary terms), then the more frequent term, then a real word
over a bare stem (for the "corrected to" message), then alphabetically, so the result
never depends on set order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_WORD_CHARS = 5
SWAP_ONLY_CHARS = 4
LONG_WORD_CHARS = 8
MIN_DOC_FREQ = 2


@dataclass(frozen=True, slots=True)
class Correction:
    """A question word replaced by a vocabulary word (``term`` is its index term)."""

    wrong: str
    right: str
    term: str
    distance: int


def max_edits(word: str) -> int:
    """How many edits a word of this length may be corrected by (0: not corrected)."""
    if len(word) >= LONG_WORD_CHARS:
        return 2
    return 1 if len(word) >= MIN_WORD_CHARS else 0


class Speller:
    """Corrects unknown words to the nearest vocabulary word; one per glossary build."""

    def __init__(
        self,
        doc_freq: Mapping[str, int],
        name_words: Mapping[str, str],
    ) -> None:
        """``doc_freq``: index term -> passages that hold it; ``name_words``: surface -> term."""
        self._doc_freq = doc_freq
        self._name_words = dict(name_words)
        self._name_terms = frozenset(name_words.values())
        # surface form -> index term for every candidate; stems stand for themselves.
        forms: dict[str, str] = {t: t for t, df in doc_freq.items() if df >= MIN_DOC_FREQ}
        forms.update(self._name_words)
        self._forms = forms
        self._buckets: dict[tuple[str, int], list[str]] = {}
        for form in sorted(forms):
            if form.isalpha():
                self._buckets.setdefault((form[0], len(form)), []).append(form)
        self._cache: dict[tuple[str, str], Correction | None] = {}

    def correct(self, word: str, term: str) -> Correction | None:
        """The correction for a question word (surface ``word``, index ``term``), if any."""
        key = (word, term)
        if key not in self._cache:
            self._cache[key] = self._lookup(word, term)
        return self._cache[key]

    def _lookup(self, word: str, term: str) -> Correction | None:
        if not word.isalpha() or term in self._doc_freq:
            return None
        best: tuple[float, int, int, int, str, int] | None = None
        for probe in dict.fromkeys((word, term)):
            for form, distance in self._candidates(probe):
                target = self._forms[form]
                rank = (
                    distance / len(probe),  # one edit in a whole word beats one in a stem
                    0 if target in self._name_terms else 1,
                    -self._doc_freq.get(target, 0),
                    0 if form in self._name_words else 1,  # show a word, not a stem
                    form,
                    distance,
                )
                if best is None or rank < best:
                    best = rank
        if best is None:
            return None
        form = best[4]
        return Correction(wrong=word, right=form, term=self._forms[form], distance=best[5])

    def _candidates(self, probe: str) -> list[tuple[str, int]]:
        """Vocabulary forms within the allowed edits of ``probe`` (same first letter)."""
        edits = max_edits(probe)
        if edits == 0:
            return self._swaps(probe) if len(probe) == SWAP_ONLY_CHARS else []
        found: list[tuple[str, int]] = []
        for length in range(len(probe) - edits, len(probe) + edits + 1):
            bucket = self._buckets.get((probe[0], length))
            if not bucket:
                continue
            for form, distance, _ in process.extract(
                probe, bucket, scorer=OSA.distance, score_cutoff=edits, limit=None
            ):
                if distance > 0:
                    found.append((form, int(distance)))
        return found

    def _swaps(self, probe: str) -> list[tuple[str, int]]:
        """Entry-name words that differ from a 4-letter word by one swap ("cros" -> cors)."""
        found = []
        for i in range(1, len(probe) - 1):
            swapped = probe[:i] + probe[i + 1] + probe[i] + probe[i + 2 :]
            if swapped != probe and swapped in self._name_words:
                found.append((swapped, 1))
        return found
