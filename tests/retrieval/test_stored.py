"""The cache's string table: checked once when loaded, decoded one string at a time."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.stored import StoredStrings

CHUNK = 1 << 20


def table(*texts: bytes) -> tuple[bytes, np.ndarray]:
    ends = np.cumsum([len(t) for t in texts]).astype(np.int64)
    return b"".join(texts), ends


def test_a_character_across_the_check_s_chunk_boundary_is_read_whole() -> None:
    first = b"a" * (CHUNK - 1) + "é".encode()  # its two bytes straddle the boundary
    strings = StoredStrings(*table(first, "Größe".encode(), b""))
    assert strings.get(0) == "a" * (CHUNK - 1) + "é"
    assert strings.get(1) == "Größe"
    assert strings.get(2) == ""
    assert strings.get(-1) is None


@pytest.mark.parametrize(
    "broken",
    [
        b"a" * CHUNK + b"\xff" + b"b" * 10,  # a byte UTF-8 never uses, after the first chunk
        b"ok" + "é".encode()[:1],  # a character cut off at the very end
    ],
)
def test_a_table_that_is_not_utf8_is_refused_when_loaded(broken: bytes) -> None:
    with pytest.raises(UnicodeDecodeError):
        StoredStrings(*table(broken))


def test_a_table_cut_short_is_refused() -> None:
    blob, ends = table(b"alpha", b"beta")
    with pytest.raises(ValueError, match="cut short"):
        StoredStrings(blob[:-1], ends)
