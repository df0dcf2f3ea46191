"""Whether the best entry answers the question, from evidence a person can check.

Raw BM25 magnitudes say little across questions (a long question scores higher than a
short one), so the decision uses shares of idf weight instead, each between 0 and 1:

- coverage: of the question's own terms (after filler removal and corrections), the
  share of idf weight the best entry contains anywhere; a word the glossary does not
  know at all counts as a missing rare word;
- name match: how completely the question spells out one of the entry's names;
- margin: how far the best entry is ahead of the second.

A question is answered when the best entry covers most of it, or names the entry and
covers enough of the rest. The thresholds were tuned on one half of the development
questions and checked on the other (docs/quality.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.query import Query

if TYPE_CHECKING:
    from retrieval.fields import Fields
    from retrieval.ranking import EntryParts

COVERAGE = 0.6
NAMED_COVERAGE = 0.45
NAME_MATCH = 0.3


@dataclass(frozen=True, slots=True)
class Evidence:
    """The features behind ``answered`` and the decision itself."""

    coverage: float
    name_match: float
    margin: float
    missing: tuple[str, ...]
    answered: bool


def decide(
    query: Query,
    entries: Sequence[EntryParts],
    fields: Fields,
    idf: Mapping[str, float],
) -> Evidence:
    """Evidence for the best entry, and whether it answers the question."""
    best = entries[0]
    present = fields.entry_terms[fields.entry_number[best.entry]]
    own = dict.fromkeys(query.analyzed)
    unknown_weight = max(idf.values(), default=1.0)
    total = sum(idf[t] for t in own) + unknown_weight * len(query.unknown)
    matched = sum(idf[t] for t in own if t in present)
    coverage = matched / total if total else 0.0
    second = entries[1].score if len(entries) > 1 else 0.0
    margin = (best.score - second) / best.score if best.score > 0 else 0.0
    missing = tuple(t for t in own if t not in present) + query.unknown
    answered = coverage >= COVERAGE or (
        best.name_match >= NAME_MATCH and coverage >= NAMED_COVERAGE
    )
    return Evidence(coverage, best.name_match, margin, missing, answered)
