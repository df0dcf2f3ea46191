"""Build ``benchmarks/vocabulary.json``: word counts per topic, from the bundled knowledge.

The generator draws its words from this file, not from ``knowledge/`` directly, so the
benchmark corpus stays the same while the bundled glossary grows. Each bundled entry is a
topic; its words keep their counts, so generated text has the skew (Zipf) and the topical
burstiness of the real glossary. Regenerate with ``python -m benchmarks.vocabulary``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOCABULARY_FILE = Path(__file__).with_name("vocabulary.json")
_WORD = re.compile(r"[A-Za-z][A-Za-z]*(?:-[A-Za-z]+)*")
_MARKUP = re.compile(r"\*\*|^#+ |^\d+\. |^- ", re.MULTILINE)


def topic_counts(folder: Path) -> dict[str, dict[str, int]]:
    """Word counts of every Markdown body below ``folder``, one topic per file."""
    topics: dict[str, dict[str, int]] = {}
    for path in sorted(folder.glob("*.md")):
        parts = path.read_text(encoding="utf-8").split("---", 2)
        body = _MARKUP.sub("", parts[2] if len(parts) == 3 else parts[-1])
        counts = Counter(w if w.isupper() else w.lower() for w in _WORD.findall(body))
        topics[path.stem] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return topics


def main() -> None:
    """Write the vocabulary file from ``knowledge/``."""
    topics = topic_counts(ROOT / "knowledge")
    VOCABULARY_FILE.write_text(
        json.dumps({"source": "knowledge/*.md", "topics": topics}, indent=0, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    words = {w for counts in topics.values() for w in counts}
    print(f"{VOCABULARY_FILE}: {len(topics)} topics, {len(words)} distinct words")


if __name__ == "__main__":
    main()
