"""Whether the best entry answers the question, from evidence a person can check.

Raw BM25 magnitudes say little across questions (a long question scores higher than a
short one), so the decision uses shares of idf weight instead, each between 0 and 1:

- coverage: of the question's own terms (after filler removal and corrections), the
  share of idf weight the best entry contains anywhere (a term also counts when one of
  its synonyms is there); a word the glossary does not know at all counts as a missing
  rare word;
- name: the share of the best name's idf weight that the question mentions (1 when the
  question spells out the entry's title or an alias);
- qualified: the named entry is only part of what is asked ("virtual DOM", "semantic
  versioning"): a word right next to the name is missing from the entry;
- margin: how far the best entry is ahead of the second;
- heading: for a short question that names none of the entry's names, how completely it
  names one of the entry's section headings or item labels.

A question that spells out one of the best entry's names is answered, unless that name is
qualified. Otherwise a short question (up to four terms) must name something of the entry,
a word of one of its names or most of a heading ("what is Svelte" only finds a passing
mention in another entry's text), and cover 0.7 of its idf weight; a longer one, such as a
paraphrase, must cover 0.4. The thresholds were tuned on one half of the
development questions and checked on the other (docs/quality.md).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from retrieval.ordering import heading_match
from retrieval.query import Query

if TYPE_CHECKING:
    from retrieval.fields import Fields
    from retrieval.ranking import EntryParts

COVERAGE = 0.4
SHORT_COVERAGE = 0.7
SHORT_QUESTION = 4
NAMED_HEADING = 0.5
FULL_NAME = 0.99
_NO_NAME: tuple[str, ...] = ()


class Evidence(NamedTuple):
    """The features behind ``answered`` and the decision itself (a named tuple: one per
    question, cheaper to make than a frozen dataclass)."""

    coverage: float
    name: float
    qualified: bool
    margin: float
    missing: tuple[str, ...]
    answered: bool
    heading: float = 0.0


def _covered(query: Query, present: frozenset[str]) -> set[str]:
    """Own terms found in the entry, directly or through one of their synonyms."""
    covered = {t for t in query.sequence if t in present}
    for expansion in query.expansions:
        if any(t in present for t in expansion.terms):
            covered.update(expansion.phrase)
    return covered


def _best_name(
    query: Query, names: Sequence[tuple[str, ...]], idf: Mapping[str, float]
) -> tuple[float, tuple[str, ...]]:
    asked = set(query.sequence)
    for expansion in query.expansions:
        # A word the glossary only knows through a synonym ("k8s") names what it stands for.
        if all(t in query.unknown for t in expansion.phrase):
            asked.update(expansion.terms)
    best, best_name = 0.0, _NO_NAME
    for name in names:
        share = _name_share(dict.fromkeys(name), asked, idf)
        if share > best or (share == best and len(name) > len(best_name)):
            best, best_name = share, name
    return best, best_name


def _name_share(terms: Collection[str], asked: set[str], idf: Mapping[str, float]) -> float:
    """The share of a name's idf weight that is asked (0 without summing when none is).

    ``terms`` are the name's distinct terms in name order: summing them in set order
    would make the last bits, and so ties, depend on the process's hash seed.
    """
    named = [t for t in terms if t in asked]
    if not named:
        return 0.0
    return sum(idf.get(t, 0.0) for t in named) / (sum(idf.get(t, 0.0) for t in terms) or 1.0)


def _touching(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    """Two words written next to each other (only spaces or a hyphen between them)."""
    gap = text[left[1] : right[0]]
    return left[1] <= right[0] and all(ch.isspace() or ch == "-" for ch in gap)


def _ends_clause(text: str, span: tuple[int, int]) -> bool:
    """Nothing but punctuation between this word and the end of its clause."""
    rest = text[span[1] :].lstrip()
    return not rest or not rest[0].isalnum()


def _qualified(query: Query, name: tuple[str, ...], covered: set[str]) -> bool:
    """Every mention of the name is part of a longer term the entry lacks.

    English puts the head of a compound last: a missing word right before the name
    ("virtual DOM", "Tailwind CSS") or closing the phrase right after it ("semantic
    versioning", "JWT token") makes it another thing; "a GPL library inside ..." does not.
    """
    seq, spans, text = query.sequence, query.spans, query.normalized
    mentions = 0
    for i in range(len(seq) - len(name) + 1):
        if not name or tuple(seq[i : i + len(name)]) != name:
            continue
        mentions += 1
        j = i + len(name)
        before = i > 0 and seq[i - 1] not in covered and _touching(text, spans[i - 1], spans[i])
        after = (
            j < len(seq)
            and seq[j] not in covered
            and _touching(text, spans[j - 1], spans[j])
            and _ends_clause(text, spans[j])
        )
        if not (before or after):
            return False
    return mentions > 0


def decide(
    query: Query,
    entries: Sequence[EntryParts],
    fields: Fields,
    idf: Mapping[str, float],
    max_idf: float,
) -> Evidence:
    """Evidence for the best entry, and whether it answers the question."""
    best = entries[0]
    number = best.number
    asked = [*query.sequence, *(t for e in query.expansions for t in e.terms)]
    covered = _covered(query, fields.entry_holds(number, asked))
    own = dict.fromkeys(query.sequence)
    weight = {t: idf.get(t, max_idf) for t in own}
    total = sum(weight.values())
    coverage = sum(w for t, w in weight.items() if t in covered) / total if total else 0.0
    name, name_terms = _best_name(query, fields.names_by_number[number], idf)
    qualified = name >= FULL_NAME and _qualified(query, name_terms, covered)
    second = entries[1].score if len(entries) > 1 else 0.0
    margin = (best.score - second) / best.score if best.score > 0 else 0.0
    missing = tuple(t for t in own if t not in covered)
    short = len(own) <= SHORT_QUESTION
    heading = _heading_named(query, fields, number, idf) if short and name == 0 else 0.0
    if name >= FULL_NAME and not qualified:
        answered = True
    elif short and name == 0 and heading < NAMED_HEADING:
        answered = False  # a passing mention: the entry is not about what was asked
    else:
        answered = coverage >= (SHORT_COVERAGE if short else COVERAGE)
    return Evidence(coverage, name, qualified, margin, missing, answered, heading)


def _heading_named(query: Query, fields: Fields, number: int, idf: Mapping[str, float]) -> float:
    """The best share of a section heading or item label of the entry that is asked."""
    own = {t: idf[t] for t in query.sequence if t in idf}
    lo, hi = int(fields.entry_passages[number]), int(fields.entry_passages[number + 1])
    return float(heading_match(fields, own, np.arange(lo, hi, dtype=np.int64)).max(initial=0.0))
