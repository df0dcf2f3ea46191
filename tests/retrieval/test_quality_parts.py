"""The building blocks of question handling, one rule per test."""

from __future__ import annotations

import numpy as np

from retrieval.fields import best_positions
from retrieval.names import defined_acronyms, entry_names, initials, is_acronym
from retrieval.spelling import Correction, Speller, max_edits
from retrieval.synonyms import Expansion, Synonyms, parse_groups

DOC_FREQ = {"promis": 3, "hoist": 2, "host": 9, "latenc": 4, "frontend": 5, "end": 7, "mute": 2}
NAME_WORDS = {"promise": "promis", "hoisting": "hoist", "frontend": "frontend"}


def speller() -> Speller:
    return Speller(DOC_FREQ, NAME_WORDS)


def test_a_swapped_pair_of_letters_is_one_edit() -> None:
    assert speller().correct("proimse", "proims") == Correction("proimse", "promise", "promis", 1)


def test_names_win_ties_over_more_frequent_terms() -> None:
    # "hositing" is one edit from "hoisting" (a name) and from "hosting" (not indexed here).
    assert speller().correct("hositing", "hosit") == Correction("hositing", "hoisting", "hoist", 1)


def test_known_and_short_words_are_never_corrected() -> None:
    assert speller().correct("host", "host") is None
    assert speller().correct("mutx", "mutx") is None  # 4 letters: too short to guess
    assert max_edits("mutex") == 1
    assert max_edits("bandwith") == 2


def test_words_too_far_from_the_vocabulary_stay_unknown() -> None:
    assert speller().correct("kotlin", "kotlin") is None


def test_acronyms_are_learned_from_the_lead() -> None:
    lead = "The HyperText Transfer Protocol (**HTTP**) is the protocol of the web."
    assert defined_acronyms(lead) == [("HTTP", "HyperText Transfer Protocol")]
    assert entry_names("HTTP", (), lead) == ("HTTP", "HyperText Transfer Protocol")


def test_an_acronym_that_names_nothing_of_the_entry_is_ignored() -> None:
    lead = "A Promise works with the Document Object Model (DOM) too."
    assert entry_names("Promise", (), lead) == ("Promise",)


def test_initials_count_hyphenated_parts_and_camel_case() -> None:
    assert initials("Cross-Origin Resource Sharing") == "cors"
    assert initials("HyperText Transfer Protocol") == "http"
    assert is_acronym("CORS")
    assert is_acronym("VoIP")
    assert not is_acronym("WebGL")


def test_synonym_groups_expand_in_both_directions() -> None:
    synonyms = Synonyms(parse_groups("# comment\nadvantages, benefits, pros\n\nk8s, kubernetes\n"))
    assert synonyms.expand(["benefit", "agil"]) == [Expansion(("benefit",), ("advantag", "pros"))]
    assert synonyms.expand(["kubernet"]) == [Expansion(("kubernet",), ("k8s",))]


def test_multi_word_synonyms_match_as_phrases() -> None:
    synonyms = Synonyms([("use cases", "applications")])
    assert synonyms.expand(["use", "case"]) == [Expansion(("use", "case"), ("applic",))]
    assert synonyms.expand(["case", "use"]) == []


def test_a_four_letter_word_is_only_fixed_by_a_swap_into_an_entry_name() -> None:
    words = {**NAME_WORDS, "cors": "cor"}
    assert Speller(DOC_FREQ, words).correct("cros", "cros") == Correction("cros", "cors", "cor", 1)
    assert Speller(DOC_FREQ, words).correct("corz", "corz") is None


def test_best_positions_match_a_full_sort_with_ties_by_position() -> None:
    rng = np.random.default_rng(7)
    for size in (0, 3, 12, 200, 5000):
        for scores in (rng.random(size), np.round(rng.random(size) * 4)):
            for k in (1, 12):
                expected = np.lexsort((np.arange(size), -scores))[:k]
                assert best_positions(scores, k).tolist() == expected.tolist()


def test_best_positions_of_positive_scores_leave_zeros_out() -> None:
    rng = np.random.default_rng(11)
    for size in (5, 40, 5000):
        for share in (0.002, 0.3, 1.0):  # few, some or all documents matched
            scores = np.where(rng.random(size) < share, np.round(rng.random(size) * 3) + 1, 0.0)
            for k in (1, 12):
                order = np.lexsort((np.arange(size), -scores))[:k]
                expected = [int(i) for i in order if scores[i] > 0]
                assert best_positions(scores, k, positive=True).tolist() == expected
