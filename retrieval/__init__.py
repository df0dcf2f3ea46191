"""Retrieval for glossary-bot: knowledge files in, ranked passages out.

This package knows nothing of Telegram. ``Glossary`` is the one object the bot and the
CLI use::

    from retrieval import Glossary
    glossary = Glossary.from_folder("knowledge")
    hits = glossary.search("what does a back-end engineer do in fintech")
"""

from retrieval.errors import EmptyGlossaryError, GlossaryError, KnowledgeFolderError
from retrieval.models import Answer, Block, Entry, Hit, Passage, Problem, Severity
from retrieval.search import Glossary

__all__ = [
    "Answer",
    "Block",
    "EmptyGlossaryError",
    "Entry",
    "Glossary",
    "GlossaryError",
    "Hit",
    "KnowledgeFolderError",
    "Passage",
    "Problem",
    "Severity",
]
