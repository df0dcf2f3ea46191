"""glossary-bot's edge: the Telegram bot and the ``glossary-bot`` command line.

Everything here talks to people (chats, terminals); all knowledge of ranking lives in
``retrieval``.
"""
