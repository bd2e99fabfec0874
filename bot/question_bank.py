"""The question bank: YAML files in `content/`, one schema, validated with file:line errors.

A bank file is a YAML list of questions:

    - id: http-safe-vs-idempotent
      topic: apis-http
      tags: [http, idempotency]
      difficulty: 1
      kind: concept
      question: |
        ...Markdown...
      answer: |
        ...Markdown, 60-250 words...
      key_points: [..3-6 items..]
      follow_ups: [...]      # optional
      references: [...]      # optional
"""

from __future__ import annotations

import random
import re
from difflib import get_close_matches
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.topics import KINDS, TOPICS

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,79}$")
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
REQUIRED = ("id", "topic", "tags", "difficulty", "kind", "question", "answer", "key_points")
OPTIONAL_LISTS = ("follow_ups", "references")
OPTIONAL_SCALARS = ("draft", "imported_from")
OPTIONAL = OPTIONAL_LISTS + OPTIONAL_SCALARS
ANSWER_WORDS = (60, 250)
VOCABULARY_FILE = "vocabulary.yaml"
KEY_POINTS = (3, 6)


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    tags: tuple[str, ...]
    difficulty: int
    kind: str
    question: str
    answer: str
    key_points: tuple[str, ...]
    follow_ups: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    source: str = ""
    line: int = 0
    # Drafts (usually imported from a team's notes) may lack an answer or key
    # points; they are validated leniently and never posted until finished.
    draft: bool = False
    imported_from: str = ""
    # Questions members suggested (bot/question_source.py): who to credit at the reveal.
    suggested_by: str = ""


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class BankError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class QuestionBank:
    questions: dict[str, Question] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, question_id: str | None) -> Question | None:
        return self.questions.get(question_id) if question_id else None

    def eligible(
        self,
        topics: frozenset[str] | set[str] = frozenset(),
        difficulty: tuple[int, int] = (1, 3),
        tag: str | None = None,
    ) -> list[Question]:
        low, high = difficulty
        return [
            q
            for q in self.questions.values()
            if not q.draft
            and (not topics or q.topic in topics)
            and low <= q.difficulty <= high
            and (tag is None or tag in q.tags)
        ]

    def tags(self) -> list[str]:
        return sorted({t for q in self.questions.values() if not q.draft for t in q.tags})

    def topics_in_use(self) -> list[str]:
        present = {q.topic for q in self.questions.values()}
        return [t for t in TOPICS if t in present]

    def pick(self, rng: random.Random, candidates: list[Question]) -> Question:
        ordered = sorted(candidates, key=lambda q: q.id)
        return ordered[rng.randrange(len(ordered))]

    def counts(self) -> dict[str, Counter]:
        table: dict[str, Counter] = {}
        for q in self.questions.values():
            table.setdefault(q.topic, Counter())[q.difficulty] += 1
        return table


def bank_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file() and p.name != VOCABULARY_FILE
    )


def read_vocabulary(path: Path) -> tuple[frozenset[str] | None, list[Problem]]:
    """The tag vocabulary of the bank at `path`: the vocabulary.yaml beside its files.

    The file is a mapping with one key, `tags`, listing every tag questions may
    use. A folder without one (a fresh import, say) accepts any well-formed tag.
    """
    folder = path if path.is_dir() else path.parent
    file = folder / VOCABULARY_FILE
    if not file.exists():
        return None, []
    name = str(file)
    try:
        root = yaml.compose(file.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        return None, [Problem(name, 1, f"cannot read the tag vocabulary: {exc}")]
    tags_node = None
    if isinstance(root, MappingNode):
        tags_node = next((v for k, v in root.value if isinstance(k, ScalarNode) and k.value == "tags"), None)
    if not isinstance(tags_node, SequenceNode):
        return None, [Problem(name, 1, "the tag vocabulary must be a mapping with a 'tags:' list")]
    problems, tags = [], set()
    for item in tags_node.value:
        tag = item.value if isinstance(item, ScalarNode) else None
        if tag is None or not TAG_PATTERN.match(tag):
            problems.append(Problem(name, _line(item), f"tag '{tag}' must be lowercase letters, digits and hyphens"))
        elif tag in tags:
            problems.append(Problem(name, _line(item), f"tag '{tag}' is listed twice"))
        else:
            tags.add(tag)
    return frozenset(tags), problems


def load_bank(path: Path) -> QuestionBank:
    """Load and validate every bank file under `path`; raise BankError listing every problem."""
    bank, problems = read_bank(path)
    if problems:
        raise BankError(problems)
    return bank


def read_bank(path: Path) -> tuple[QuestionBank, list[Problem]]:
    problems: list[Problem] = []
    bank = QuestionBank()
    if not path.exists():
        return bank, [Problem(str(path), 0, "no such file or directory")]
    files = bank_files(path)
    if not files:
        return bank, [Problem(str(path), 0, "no .yaml question files found")]
    vocabulary, problems = read_vocabulary(path)
    first_seen: dict[str, str] = {}
    for file in files:
        for question, line in _read_file(file, problems, vocabulary):
            where = f"{file}:{line}"
            if question.id in first_seen:
                problems.append(Problem(str(file), line, f"duplicate id '{question.id}' (first defined at {first_seen[question.id]})"))
                continue
            first_seen[question.id] = where
            bank.questions[question.id] = question
    return bank, problems


def validate_bank(path: Path) -> tuple[QuestionBank, list[Problem]]:
    """Everything `read_bank` checks, plus near-duplicate questions (see bot.near_duplicates)."""
    from bot.near_duplicates import find_near_duplicates

    bank, problems = read_bank(path)
    questions = bank.questions
    for match in find_near_duplicates((q.id, q.question) for q in questions.values()):
        later, earlier = questions[match.left], questions[match.right]
        problems.append(
            Problem(
                later.source,
                later.line,
                f"near-duplicate: '{later.id}' asks the same as '{earlier.id}' at {earlier.source}:{earlier.line} "
                f"(similarity {match.score:.2f}); reword one or drop it",
            )
        )
    return bank, problems


def _read_file(file: Path, problems: list[Problem], vocabulary: frozenset[str] | None = None) -> list[tuple[Question, int]]:
    name = str(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, 0, f"cannot read file: {exc.strerror}"))
        return []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, line, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8"))
        return []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(name, line, f"YAML syntax error: {reason}"))
        return []
    if root is None:
        problems.append(Problem(name, 1, "file is empty; expected a list of questions"))
        return []
    if not isinstance(root, SequenceNode):
        problems.append(Problem(name, _line(root), "expected a list of questions (each starting with '- id: ...')"))
        return []
    found = []
    for item in root.value:
        question = _question_from_node(item, name, problems, vocabulary)
        if question is not None:
            found.append((question, _line(item)))
    return found


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _question_from_node(node: Node, name: str, problems: list[Problem], vocabulary: frozenset[str] | None) -> Question | None:
    if not isinstance(node, MappingNode):
        problems.append(Problem(name, _line(node), "each question must be a mapping of fields (id, topic, ...)"))
        return None
    fields: dict[str, Node] = {}
    key_lines: dict[str, int] = {}
    start = len(problems)
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        if key is None:
            problems.append(Problem(name, _line(key_node), "field names must be plain words"))
            continue
        if key in fields:
            problems.append(Problem(name, _line(key_node), f"field '{key}' appears twice"))
            continue
        if key not in REQUIRED and key not in OPTIONAL:
            allowed = ", ".join(REQUIRED + OPTIONAL)
            close = get_close_matches(key, REQUIRED + OPTIONAL, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(Problem(name, _line(key_node), f"unknown field '{key}' ({hint}allowed: {allowed})"))
            continue
        fields[key] = value_node
        key_lines[key] = _line(key_node)
    for key in REQUIRED:
        if key not in fields:
            problems.append(Problem(name, _line(node), f"question is missing required field '{key}'"))
    if len(problems) > start:
        return None

    def bad(key: str, message: str) -> None:
        problems.append(Problem(name, key_lines[key], f"{key}: {message}"))

    qid = _scalar(fields["id"])
    if qid is None or not ID_PATTERN.match(qid):
        bad("id", f"'{qid}' must be 3-80 characters of lowercase letters, digits and hyphens")
    elif re.fullmatch(r"ws-\d+", qid):
        bad("id", f"'{qid}': ids 'ws-' plus a number are kept for questions members suggest; pick another")
    topic = _scalar(fields["topic"])
    if topic not in TOPICS:
        bad("topic", f"unknown topic '{topic}' (known: {', '.join(TOPICS)})")
    kind = _scalar(fields["kind"])
    if kind not in KINDS:
        bad("kind", f"unknown kind '{kind}' (known: {', '.join(KINDS)})")
    difficulty_text = _scalar(fields["difficulty"])
    difficulty = int(difficulty_text) if difficulty_text and difficulty_text.isdigit() else 0
    if difficulty not in (1, 2, 3):
        bad("difficulty", f"'{difficulty_text}' must be 1, 2 or 3")
    tags = _string_list(fields["tags"])
    if tags is None or not 1 <= len(tags) <= 6:
        bad("tags", "must be a list of 1-6 tags")
    else:
        for tag in sorted({t for t in tags if tags.count(t) > 1}):
            bad("tags", f"tag '{tag}' is listed twice")
        for tag in tags:
            if not TAG_PATTERN.match(tag):
                bad("tags", f"tag '{tag}' must be lowercase letters, digits and hyphens")
            elif vocabulary is not None and tag not in vocabulary:
                close = get_close_matches(tag, sorted(vocabulary), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                bad("tags", f"tag '{tag}' is not in the tag vocabulary{hint}; use a listed tag or add it to {VOCABULARY_FILE}")
    draft_text = _scalar(fields["draft"]) if "draft" in fields else "false"
    if draft_text not in ("true", "false"):
        bad("draft", f"'{draft_text}' must be true or false")
    draft = draft_text == "true"
    imported_from = _scalar(fields["imported_from"]) if "imported_from" in fields else ""
    if imported_from is None:
        bad("imported_from", "must be text such as notes.md:12")
    text = _scalar(fields["question"])
    if not text or not text.strip():
        bad("question", "must be non-empty text")
    answer = _scalar(fields["answer"])
    if answer is None:
        bad("answer", "must be text")
    elif draft:
        pass  # a draft may have no answer yet, or one of any length
    elif not answer.strip():
        bad("answer", "must be non-empty text (or mark the question draft: true)")
    else:
        words = len(answer.split())
        if not ANSWER_WORDS[0] <= words <= ANSWER_WORDS[1]:
            bad("answer", f"has {words} words; a reference answer has {ANSWER_WORDS[0]}-{ANSWER_WORDS[1]}")
    key_points = _string_list(fields["key_points"])
    low_points = 0 if draft else KEY_POINTS[0]
    if key_points is None or not low_points <= len(key_points) <= KEY_POINTS[1] or not all(p.strip() for p in key_points):
        bad("key_points", f"must be a list of {low_points}-{KEY_POINTS[1]} non-empty points")
    extras: dict[str, tuple[str, ...]] = {}
    for key in OPTIONAL_LISTS:
        if key in fields:
            values = _string_list(fields[key])
            if values is None:
                bad(key, "must be a list of text items")
            else:
                extras[key] = tuple(values)
    if len(problems) > start:
        return None
    return Question(
        id=qid or "",
        topic=topic or "",
        tags=tuple(tags or ()),
        difficulty=difficulty,
        kind=kind or "",
        question=(text or "").strip(),
        answer=(answer or "").strip(),
        key_points=tuple(p.strip() for p in key_points or ()),
        follow_ups=extras.get("follow_ups", ()),
        references=extras.get("references", ()),
        source=name,
        line=_line(node),
        draft=draft,
        imported_from=imported_from or "",
    )


def _scalar(node: Node) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _string_list(node: Node) -> list[str] | None:
    if not isinstance(node, SequenceNode):
        return None
    values = []
    for item in node.value:
        if not isinstance(item, ScalarNode) or not str(item.value).strip():
            return None
        values.append(str(item.value))
    return values
