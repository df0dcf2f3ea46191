"""Generate knowledge folders of a given size in our Markdown format, deterministically.

A generated entry looks like a bundled one: front matter (title, url, aliases, tags,
updated), a lead that names the term, ``## Overview`` paragraphs, ``## Advantages`` and
``## Applications`` as numbered lists with bold labels, a ``## Conclusion`` and a
``## See also`` link list (which is not a passage). Words come from
``benchmarks/vocabulary.json`` (the bundled entries' word counts): each generated entry
takes a bundled entry as its topic and draws most words from it, so common words are as
common, and topical words as bursty, as in the real glossary. Titles mix vocabulary words
with coined product-like names, which gives the long tail of rare terms a real company
glossary has.

Every entry is generated from its own random stream (``seed``, entry number), so a
folder is the same bytes on every run and questions can be drawn from any entry without
generating the others again. Paragraphs stay under the passage splitter's limit, so an
entry of ``n`` blocks is exactly ``n`` passages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from benchmarks.vocabulary import VOCABULARY_FILE

MIN_BLOCKS, MAX_BLOCKS = 7, 14
FILES_PER_SUBFOLDER = 1000
MAX_PARAGRAPH_CHARS = 600
TOPIC_SHARE = 0.6
SECTORS = (
    "Fintech", "Healthtech", "E-commerce", "Edtech", "Insurtech", "Logistics", "Retail",
    "Manufacturing", "Telecommunications", "Government", "Media", "Gaming", "Energy", "Travel",
    "Real Estate", "Automotive", "Agriculture", "Online Banking", "Insurance", "Cybersecurity",
)  # fmt: skip
HEAD_NOUNS = (
    "Engineer", "Platform", "Gateway", "Database", "Protocol", "Framework", "Architecture",
    "Manager", "Analytics", "Pipeline", "Service", "Cache", "Index", "Model", "Registry",
    "Scheduler", "Broker", "Ledger", "Dashboard", "Policy", "Workflow", "Toolkit", "API",
    "Runtime", "Cluster", "Agent", "Standard", "Method", "Score", "Review",
)  # fmt: skip
_SYLLABLES = tuple(c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "or"))
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "with",
        "which",
        "while",
        "when",
        "also",
        "into",
        "many",
        "more",
        "most",
        "other",
        "often",
        "these",
        "those",
        "through",
        "will",
    ]
)


@dataclass(frozen=True, slots=True)
class Block:
    """One planned passage: its section (None for the lead), bold label and text."""

    section: str | None
    label: str | None
    text: str


@dataclass(frozen=True, slots=True)
class EntryPlan:
    """Everything written to one generated file."""

    number: int
    id: str
    title: str
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    blocks: tuple[Block, ...]
    see_also: tuple[str, ...]

    def markdown(self) -> str:
        """The file text, in the knowledge format of the README."""
        aliases = ", ".join(self.aliases)
        lines = [
            "---",
            f"title: {self.title}",
            f"url: https://glossary.example.com/{self.id}/",
            f"aliases: [{aliases}]",
            f"tags: [{', '.join(self.tags)}]",
            f"updated: 2024-{1 + self.number % 12:02d}-{1 + self.number % 28:02d}",
            "---",
        ]
        section: str | None = None
        item = 0
        for block in self.blocks:
            if block.section != section:
                section, item = block.section, 0
                lines += ["", f"## {section}"]
            if block.label is None:
                lines += ["", block.text]
                item = 0
            else:
                item += 1
                lines += [""] if item == 1 else []
                lines.append(f"{item}. **{block.label}:** {block.text}")
        lines += ["", "## See also", *(f"- [{other}]({other}.md)" for other in self.see_also)]
        return "\n".join(lines) + "\n"


class Sampler:
    """Draws ids with probability proportional to weights (the cumulative sum is kept)."""

    def __init__(self, ids: np.ndarray, weights: np.ndarray) -> None:
        self.ids = ids
        self.cumulative = np.cumsum(weights) / weights.sum()

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` ids."""
        at = np.searchsorted(self.cumulative, rng.random(size), side="right")
        return self.ids[np.minimum(at, len(self.ids) - 1)]


class Vocabulary:
    """Word lists and sampling weights: one distribution per topic and one overall."""

    def __init__(self, path: Path = VOCABULARY_FILE) -> None:
        topics: dict[str, dict[str, int]] = json.loads(path.read_text(encoding="utf-8"))["topics"]
        self.topic_names = sorted(topics)
        words = sorted({w for counts in topics.values() for w in counts})
        self.words = np.array(words, dtype=object)
        position = {w: i for i, w in enumerate(words)}
        self.topics: list[Sampler] = []
        overall = np.zeros(len(words))
        for name in self.topic_names:
            counts = topics[name]
            ids = np.array([position[w] for w in counts], dtype=np.int64)
            weights = np.array(list(counts.values()), dtype=np.float64)
            overall[ids] += weights
            self.topics.append(Sampler(ids, weights))
        self.overall = Sampler(np.arange(len(words)), overall)
        content = [i for i, w in enumerate(words) if len(w) > 3 and w not in _FUNCTION_WORDS]
        content_ids = np.array(content, dtype=np.int64)
        self.content = Sampler(content_ids, overall[content_ids])

    def draw(self, rng: np.random.Generator, topic: int, size: int) -> list[str]:
        """``size`` words, most from ``topic`` and the rest from the whole glossary."""
        from_topic = self.topics[topic].draw(rng, size)
        from_all = self.overall.draw(rng, size)
        chosen = np.where(rng.random(size) < TOPIC_SHARE, from_topic, from_all)
        return list(self.words[chosen])

    def content_words(self, rng: np.random.Generator, size: int) -> list[str]:
        """Words a person might type (no function words), by overall frequency."""
        return list(self.words[self.content.draw(rng, size)])


def coined_name(rng: np.random.Generator) -> str:
    """A product-like name such as "Kavorin": the rare words of a company glossary."""
    parts = rng.choice(len(_SYLLABLES), size=int(rng.integers(2, 4)))
    word = "".join(_SYLLABLES[i] for i in parts)
    return word + ("n" if rng.random() < 0.3 else "")


def block_counts(passages: int, seed: int) -> list[int]:
    """Blocks per entry, summing to exactly ``passages``."""
    rng = np.random.default_rng([seed, 0])
    counts = rng.integers(MIN_BLOCKS, MAX_BLOCKS + 1, size=passages // MIN_BLOCKS + 1).tolist()
    result: list[int] = []
    left = passages
    for count in counts:
        if left <= 0:
            break
        result.append(min(count, left))
        left -= result[-1]
    return result


class Generator:
    """Plans entries of one generated folder; entry ``i`` depends only on (seed, i)."""

    def __init__(self, passages: int, *, seed: int, vocabulary: Vocabulary | None = None) -> None:
        self.passages = passages
        self.seed = seed
        self.vocabulary = vocabulary or Vocabulary()
        self.counts = block_counts(passages, seed)

    def __len__(self) -> int:
        return len(self.counts)

    @cached_property
    def ids(self) -> list[str]:
        """Entry ids in entry order (cheap: titles come first in each entry's stream)."""
        return [self._title(np.random.default_rng([self.seed, 1, i]))[1] + f"-{i:06d}"
                for i in range(len(self))]  # fmt: skip

    def _title(self, rng: np.random.Generator) -> tuple[str, str]:
        topic_words = self.vocabulary.content_words(rng, 2)
        head = HEAD_NOUNS[int(rng.integers(len(HEAD_NOUNS)))]
        if rng.random() < 0.6:
            words = [coined_name(rng).capitalize(), head]
        else:
            words = [w.capitalize() if not w.isupper() else w for w in topic_words] + [head]
        title = " ".join(words)
        return title, "-".join(w.lower() for w in words)

    def plan(self, number: int) -> EntryPlan:
        """The entry with this number."""
        rng = np.random.default_rng([self.seed, 1, number])
        title, slug = self._title(rng)
        topic = int(rng.integers(len(self.vocabulary.topic_names)))
        blocks = self._blocks(rng, title, topic, self.counts[number])
        initials = "".join(w[0] for w in title.split()).upper()
        aliases = (initials,) if rng.random() < 0.5 else ()
        others = rng.integers(len(self), size=2)
        return EntryPlan(
            number=number,
            id=f"{slug}-{number:06d}",
            title=title,
            aliases=aliases,
            tags=(self.vocabulary.topic_names[topic],),
            blocks=blocks,
            see_also=tuple(self.ids[int(i)] for i in others),
        )

    def _blocks(
        self, rng: np.random.Generator, title: str, topic: int, count: int
    ) -> tuple[Block, ...]:
        def para(section: str | None, label: str | None = None, lead: str = "") -> Block:
            return Block(section, label, self._paragraph(rng, topic, lead))

        def label() -> str:
            return " ".join(w.capitalize() for w in self.vocabulary.content_words(rng, 2))

        overview = [para("Overview") for _ in range(int(rng.integers(1, 3)))]
        advantages = [para("Advantages", label()) for _ in range(int(rng.integers(2, 6)))]
        sectors = rng.choice(len(SECTORS), size=int(rng.integers(2, 5)), replace=False)
        applications = [para("Applications")] + [
            para("Applications", SECTORS[int(s)]) for s in sectors
        ]
        lead = para(None, lead=f"A {title} is")
        planned = [lead, *overview, *advantages, *applications, para("Conclusion")]
        while len(planned) < count:
            planned.insert(-1, para("Overview"))
        return tuple(planned[:count])

    def _paragraph(self, rng: np.random.Generator, topic: int, lead: str) -> str:
        sentences: list[str] = []
        size = len(lead)
        target = int(rng.integers(150, 450))
        while size < target:
            words = self.vocabulary.draw(rng, topic, int(rng.integers(8, 21)))
            if not sentences and lead:
                sentence = f"{lead} {' '.join(words)}."
            else:
                sentence = f"{' '.join(words).capitalize()}."
            if size + len(sentence) + 1 > MAX_PARAGRAPH_CHARS:
                break
            sentences.append(sentence)
            size += len(sentence) + 1
        return " ".join(sentences) if sentences else f"{lead} a term."

    def plans(self) -> Iterator[EntryPlan]:
        """Every entry, in order."""
        for number in range(len(self)):
            yield self.plan(number)


def write_folder(
    generator: Generator, folder: Path, *, files_per_subfolder: int = FILES_PER_SUBFOLDER
) -> int:
    """Write every entry below ``folder`` in subfolders; returns the file count."""
    for plan in generator.plans():
        sub = folder / f"part-{plan.number // files_per_subfolder:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{plan.id}.md").write_text(plan.markdown(), encoding="utf-8")
    return len(generator)


DEFINITION = (
    "what is {t}",
    "what is a {t}",
    "define {t}",
    "{t}",
    "what does {t} mean",
    "explain {t}",
)
SECTION = (
    "advantages of {t}", "{t} applications", "why use {t}", "how is {t} used in {s}",
    "{t} in {s}", "what does a {t} do in {s}",
)  # fmt: skip
CONTENT = ("how does {a} {b} {c}", "{a} {b} {c}", "what {a} {b} and {c}", "{a} {b} for {c} {d}")
GENERIC = ("best {a} for {b}", "{a} {b} {c}", "how to {a} {b} {c}", "what is {a} {b}")


def questions(generator: Generator, count: int, *, seed: int) -> list[str]:
    """``count`` questions like people ask: names, sections, words of a passage, or none."""
    rng = np.random.default_rng([seed, 2])
    out: list[str] = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.85:
            plan = generator.plan(int(rng.integers(len(generator))))
            name = plan.aliases[0] if plan.aliases and rng.random() < 0.2 else plan.title
            name = name if rng.random() < 0.5 else name.lower()
            if kind < 0.35:
                out.append(DEFINITION[int(rng.integers(len(DEFINITION)))].format(t=name))
            elif kind < 0.55:
                labels = [b.label for b in plan.blocks if b.section == "Applications" and b.label]
                sector = labels[0] if labels else SECTORS[int(rng.integers(len(SECTORS)))]
                template = SECTION[int(rng.integers(len(SECTION)))]
                out.append(template.format(t=name, s=sector.lower()))
            else:
                block = plan.blocks[int(rng.integers(len(plan.blocks)))]
                words = [w.strip(".,:") for w in block.text.split() if len(w.strip(".,:")) > 3]
                picked = [words[int(i)] for i in rng.integers(len(words), size=4)] if words else []
                template = CONTENT[int(rng.integers(len(CONTENT)))]
                out.append(
                    template.format(**dict(zip("abcd", picked or ["term"] * 4, strict=True)))
                )
        else:
            words = generator.vocabulary.content_words(rng, 3)
            template = GENERIC[int(rng.integers(len(GENERIC)))]
            out.append(template.format(a=words[0], b=words[1], c=words[2]))
    return [q.lower() if rng.random() < 0.7 else q for q in out]
