"""The sequence protocol shared by the glossary's lazy views."""

from __future__ import annotations

import pytest

from retrieval.lazy_sequence import LazySequence


class Squares(LazySequence[int]):
    def __init__(self, size: int) -> None:
        self.size = size
        self.made: list[int] = []

    def __len__(self) -> int:
        return self.size

    def _item(self, i: int) -> int:
        self.made.append(i)
        return i * i


def test_items_slices_and_negative_indexes_are_made_on_demand() -> None:
    squares = Squares(5)
    assert squares[2] == 4
    assert squares[-1] == 16
    assert squares[1:4] == [1, 4, 9]
    assert squares[::-2] == [16, 4, 0]
    assert list(squares) == [0, 1, 4, 9, 16]
    assert squares.made[:5] == [2, 4, 1, 2, 3]  # only what was asked for, in order


def test_out_of_range_is_an_index_error_on_both_sides() -> None:
    squares = Squares(3)
    for i in (3, -4, 100):
        with pytest.raises(IndexError):
            squares[i]
    assert Squares(0)[0:5] == []
