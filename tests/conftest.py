"""Suite-wide settings.

python-telegram-bot 22 warns (PTBDeprecationWarning) when ``RetryAfter.retry_after`` is
read as an int; our warnings are errors, so opt in to the timedelta API it will switch to.
"""

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")
