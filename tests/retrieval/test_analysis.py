"""Specification of text analysis: one pipeline for documents and questions."""

from __future__ import annotations

import pytest

from retrieval.analysis import analyze, analyzed_tokens


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("C++", ["c++"]),
        ("C#", ["c#"]),
        (".NET", ["dotnet"]),
        ("ASP.NET", ["aspnet"]),
        ("Node.js", ["nodej"]),
        ("R", ["r"]),
        ("SQL", ["sql"]),
        (
            "C++, C# and .NET; also Node.js, R and SQL.",
            ["c++", "c#", "dotnet", "nodej", "r", "sql"],
        ),
    ],
)
def test_it_terms_survive_tokenization(text: str, terms: list[str]) -> None:
    assert analyze(text) == terms


@pytest.mark.parametrize(
    "spelling", ["back-end", "backend", "back end", "Back-End", "BACKEND", "back‑end"]
)
def test_back_end_spellings_match_each_other(spelling: str) -> None:
    assert analyze(f"{spelling} engineer") == ["backend", "engin"]


def test_other_compounds_join_and_unknown_hyphenated_words_split() -> None:
    assert analyze("e-commerce") == analyze("ecommerce") == analyze("e commerce") == ["ecommerc"]
    assert analyze("server-side") == analyze("server side") == ["server", "side"]


def test_case_folding_stemming_and_stopwords() -> None:
    assert analyze("What does a Developer do in the Databases?") == ["develop", "databas"]


def test_it_as_an_acronym_is_kept_but_the_pronoun_is_dropped() -> None:
    assert analyze("IT consultancy") == ["infotech", "consult"]
    assert analyze("it works") == ["work"]


def test_unicode_is_normalised() -> None:
    assert analyze("ｃａｆé") == ["cafe"]  # full-width letters and an accent
    assert analyze("zero\u200bwidth") == ["zerowidth"]
    assert analyze("ﬁntech") == ["fintech"]  # the "fi" ligature


def test_questions_of_only_stopwords_or_symbols_have_no_terms() -> None:
    assert analyze("what is it that you do?") == []
    assert analyze("?!… — ") == []
    assert analyze("") == []


def test_html_looking_text_is_just_words() -> None:
    assert analyze("<b>what</b> is an API & SQL?") == ["api", "sql"]
    assert analyze("a <script>x</script> b < c") == ["x", "b", "c"]


def test_documents_and_questions_share_the_pipeline() -> None:
    document = "Back-end Engineers build APIs in Node.js."
    question = "backend engineer api node.js"
    assert set(analyze(question)) <= set(analyze(document))


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("(.NET)", [(1, 5, "dotnet", "dotnet")]),
        ("x.NET", [(0, 5, "xnet", "xnet")]),
        ("back, end", [(0, 9, "backend", "backend")]),
        ("back — end", [(0, 10, "backend", "backend")]),
        ("(back) end!", [(1, 10, "backend", "backend")]),
        (" data   set-up ", [(1, 11, "dataset", "dataset")]),
        ("front end back end", [(0, 9, "frontend", "frontend"), (10, 18, "backend", "backend")]),
        ("data-set-x", [(0, 8, "dataset", "dataset"), (9, 10, "x", "x")]),
        ("on line; online", [(0, 7, "online", "onlin"), (9, 15, "online", "onlin")]),
        ("microservice s", [(0, 14, "microservices", "microservic")]),
        ("C++-like", [(0, 3, "c++", "c++"), (4, 8, "like", "like")]),
        ("a--b", [(3, 4, "b", "b")]),
        ("Ünïcödé back‐end", [(0, 7, "unicode", "unicod"), (8, 16, "backend", "backend")]),
        ("what’s up, doc?", [(11, 14, "doc", "doc")]),
        ("v1.2.3-beta", [(0, 6, "v123", "v123"), (7, 11, "beta", "beta")]),
        ("IT-IT it", [(0, 2, "infotech", "infotech"), (3, 5, "infotech", "infotech")]),
    ],
)
def test_terms_and_token_spans_agree(text: str, spans: list[tuple[int, int, str, str]]) -> None:
    """``analyze`` (per whitespace-separated chunk) and ``analyzed_tokens`` (per token) agree."""
    tokens = analyzed_tokens(text)
    assert [(t.start, t.end, t.word, term) for t, term in tokens] == spans
    assert analyze(text) == [term for *_, term in spans]
    assert analyze(text) == analyze(text)  # the second time from the memo


def test_a_build_notes_only_the_words_it_meets_first_and_only_in_its_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from retrieval import analysis

    monkeypatch.setattr(analysis, "_word_terms", {})
    monkeypatch.setattr(analysis, "_chunks", {})
    monkeypatch.setattr(analysis, "_short_texts", {})
    analyze("cached answers")  # met before the build: not noted again
    other = threading.Thread(target=lambda: analyze("questions from another thread"))
    with analysis.recording_words() as met:
        analyze("The bank caches answers for partners.")
        other.start()
        other.join()
    assert sorted(met) == [("bank", "bank"), ("caches", "cach"), ("partners", "partner")]
    analysis.learn_words([("gateways", "gateway")])
    assert analysis._word_terms["gateways"] == "gateway"  # known now: never stemmed
