"""Highlighting: where a question's terms occur in a passage, as character spans.

The spans come from the same analysis the index uses, so "engineers" in a passage lights up
for "engineer" in a question, and "back end" for "backend". Nothing here knows about HTML or
Telegram: the bot turns spans into markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.analysis import analyzed_tokens, normalize


def _normalized_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalise ``text`` character by character, remembering where each piece came from.

    ``normalize`` can change the length of a text (NFKC ligatures, dropped format
    characters), so token offsets on the normalised text are mapped back through this table:
    ``origin[i]`` is the index in ``text`` of normalised character ``i`` (plus a final
    sentinel equal to ``len(text)``).
    """
    if text.isascii():  # NFKC leaves ASCII alone: offsets are the same
        return text, [*range(len(text)), len(text)]
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = normalize(char)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    origin.append(len(text))
    return "".join(pieces), origin


def highlight_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping ``(start, end)`` spans of ``text`` whose index term is in ``terms``.

    ``terms`` are index terms as ``analyze`` returns them (e.g. ``Answer.terms``).
    """
    wanted = frozenset(terms)
    if not wanted or not text:
        return []
    normalized, origin = _normalized_with_offsets(text)
    spans: list[tuple[int, int]] = []
    for token, term in analyzed_tokens(normalized):
        if term not in wanted:
            continue
        start = origin[token.start]
        end = origin[token.end - 1] + 1 if token.end > token.start else start
        if spans and start <= spans[-1][1]:
            # Overlapping or touching spans ("what's" yields two words on one span) merge.
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans
