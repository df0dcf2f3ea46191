"""Joining per-file columns back together copies nothing when they lie end to end."""

from __future__ import annotations

import numpy as np

from retrieval.counts import TermCounts, joined


def test_consecutive_slices_of_one_array_join_into_a_view() -> None:
    column = np.arange(20, dtype=np.int32)
    parts = [column[0:3], column[3:3], column[3:10], column[10:12]]
    result = joined(parts)
    assert result.tolist() == list(range(12))
    assert np.shares_memory(result, column)


def test_slices_out_of_order_or_from_other_arrays_are_copied() -> None:
    column = np.arange(10, dtype=np.int64)
    shuffled = joined([column[5:8], column[0:5]])
    assert shuffled.tolist() == [5, 6, 7, 0, 1, 2, 3, 4]
    assert not np.shares_memory(shuffled, column)
    strided = joined([column[0:4:2], column[4:6]])  # a view with gaps is not "end to end"
    assert strided.tolist() == [0, 2, 4, 5]
    assert not np.shares_memory(strided, column)
    mixed = joined([column[0:2], np.asarray([7, 7])])
    assert mixed.tolist() == [0, 1, 7, 7]
    assert joined([]).tolist() == []


def test_concatenated_counts_keep_every_passage_and_rebase_its_pointers() -> None:
    a = TermCounts.from_passages([[1, 2, 1], [3]])
    b = TermCounts.from_passages([[2, 2, 4, 5]])
    both = TermCounts.concatenate([a, TermCounts.empty(), b])
    assert both.doc_ptr.tolist() == [0, 2, 3, 6]
    assert both.terms.tolist() == [1, 2, 3, 2, 4, 5]
    assert both.tf.tolist() == [2, 1, 1, 2, 1, 1]
    assert both.doc_len.tolist() == [3, 1, 4]
