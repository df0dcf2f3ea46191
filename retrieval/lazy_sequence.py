"""A read-only sequence whose items are made when asked for.

Several views of a glossary (its passages, their terms, its entries' term sets) hold
compact arrays and make one Python object per item only for the items someone reads.
They share the sequence protocol here: slices, negative indexes and bounds, so each
only says how to make item ``i``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """``Sequence`` with ``__getitem__`` built on ``_item`` (0 <= i < len)."""

    @abstractmethod
    def _item(self, i: int) -> T:
        """Item ``i``, already checked to be in range."""

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self._item(j) for j in range(*i.indices(len(self)))]
        size = len(self)
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError(i)
        return self._item(i)
