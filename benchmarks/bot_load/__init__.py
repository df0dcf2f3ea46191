"""The bot load test: many users in private chats, the real bot, the fake Bot API on loopback.

``python -m benchmarks.bot_load`` runs it and prints a table (results: BOT_LOAD.md next to
this package). ``users`` simulates the people, ``serving`` starts the bot the way
``glossary-bot run`` does, ``timing`` measures search and rendering inside it, ``runner``
ties one run together.
"""
