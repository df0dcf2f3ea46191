"""nltk's Snowball stemmer, imported without the half of SciPy nltk does not need here.

``import nltk`` runs nltk's package ``__init__``, which imports ``nltk.metrics``, which
imports ``scipy.stats`` for two optional statistics (Fisher's exact test and ``betai``,
each guarded by ``try: ... except ImportError``). That one import is 0.9 s and 50 MiB
of every start of glossary-bot, which only uses the Snowball stemmer. So while nltk
is first imported, ``scipy.stats`` is marked as unavailable (``sys.modules`` entry
None, the documented way to make an import fail) and then unmarked: nltk falls back to
its own stubs for those two statistics, and ``scipy.stats`` stays importable for
anyone else. When nltk is already imported, nothing changes.
"""

from __future__ import annotations

import sys

_SKIPPED = "scipy.stats"

if "nltk" not in sys.modules and _SKIPPED not in sys.modules:
    sys.modules[_SKIPPED] = None  # type: ignore[assignment]
    try:
        import nltk  # noqa: F401  # the package import: where scipy.stats was pulled in
    finally:
        del sys.modules[_SKIPPED]

from nltk.stem.snowball import SnowballStemmer  # noqa: E402

__all__ = ["SnowballStemmer"]
