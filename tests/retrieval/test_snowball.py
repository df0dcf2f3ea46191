"""The stemmer comes from nltk without nltk's optional SciPy statistics."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip()


def test_importing_retrieval_does_not_import_scipy_stats_yet_leaves_it_importable() -> None:
    out = _run("""
        import sys
        import retrieval.analysis as analysis
        print("scipy.stats" in sys.modules, analysis.analyze("engineering teams"))
        import scipy.stats
        print(float(scipy.stats.norm.cdf(0.0)))
    """)
    assert out.splitlines() == ["False ['engin', 'team']", "0.5"]


def test_an_nltk_imported_before_us_is_used_as_it_is() -> None:
    out = _run("""
        import sys
        import nltk
        had_stats = "scipy.stats" in sys.modules
        from retrieval.snowball import SnowballStemmer
        print(had_stats, "scipy.stats" in sys.modules, SnowballStemmer("english").stem("running"))
    """)
    assert out == "True True run"
