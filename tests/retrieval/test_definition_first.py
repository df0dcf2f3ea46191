"""A question that is only an entry's name gets the definition first.

Even when one of the entry's sections repeats the name in its heading ("CORS headers"):
the question names the entry, not that section. A question that adds words from the
heading ("CORS headers") still gets the section.
"""

from __future__ import annotations

from pathlib import Path

from retrieval import Glossary
from tests.retrieval.knowledge_files import write

CORS = """---
title: CORS
---

Cross-Origin Resource Sharing (CORS) is an HTTP-header based mechanism that allows a
server to indicate any origins (domain, scheme, or port) other than its own from which a
browser should permit loading resources, relying on a preflight request to the server
hosting the cross-origin resource in order to check that the server will permit the
actual request.

## CORS headers

1. **Origin:** Indicates where a fetch originates from.
2. **Access-Control-Allow-Origin:** Which origins may read the response.

## Conclusion

Browsers enforce it; servers opt in.
"""

OTHER = """---
title: Same-origin policy
---

The same-origin policy restricts how a document from one origin reads data from another.
"""


def _glossary(tmp_path: Path) -> Glossary:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    write(folder / "cors.md", CORS)
    write(folder / "same-origin-policy.md", OTHER)
    return Glossary.from_folder(folder)


def test_the_name_alone_or_its_expansion_answers_with_the_definition(tmp_path: Path) -> None:
    glossary = _glossary(tmp_path)
    for question in ("what is CORS", "CORS", "cross-origin resource sharing"):
        best = glossary.answer(question).hits[0]
        assert (best.entry, best.section) == ("cors", None), question


def test_a_question_that_names_the_section_still_gets_it(tmp_path: Path) -> None:
    best = _glossary(tmp_path).answer("CORS headers Origin").hits[0]
    assert (best.entry, best.section, best.label) == ("cors", "CORS headers", "Origin")
