"""Errors of the retrieval layer.

``GlossaryError`` is the root; callers at the edge (CLI, bot) catch it and show its
message, which always says what to do next:

- ``KnowledgeFolderError``: the knowledge folder is missing, not a folder or unreadable.
- ``EmptyGlossaryError``: the folder has no usable entries.

Problems inside single files are not exceptions: they are ``Problem`` records collected
in one pass, so one broken file never hides the others.
"""


class GlossaryError(Exception):
    """Base of every error the retrieval layer raises on purpose."""


class KnowledgeFolderError(GlossaryError):
    """The knowledge folder cannot be read."""


class EmptyGlossaryError(GlossaryError):
    """The knowledge folder holds no usable entry."""
