"""One import run: read every input, drop duplicates, build bank files, validate them, then write.

Nothing touches the output folder until every input has been read and the
new files have passed bot.question_bank.read_bank in a scratch folder.

Duplicates are checked (exact text, then bot.near_duplicates) against the
bank, against the other files already in the output folder, and within the
run. The files this run is about to replace are left out of that check, so
re-importing the same notes finds its own earlier output "unchanged" rather
than duplicated, whether or not the output folder lies inside the bank.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from pathlib import Path

from bot.content_import.duplicates import SeenQuestions
from bot.content_import.entries import EntryMaker
from bot.content_import.records import NotImportable
from bot.content_import.sources import Source, read_source
from bot.content_import.writer import Entry, entry_from_question, render_file
from bot.near_duplicates import content_words
from bot.question_bank import VOCABULARY_FILE, Question, bank_files, read_bank, read_vocabulary
from bot.topics import TOPICS


class ImportFailed(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class ImportOptions:
    files: tuple[Path, ...]
    out: Path
    bank: Path
    fmt: str = "auto"
    topic: str | None = None
    tags: tuple[str, ...] = ()
    keep_duplicates: bool = False


@dataclass(frozen=True)
class Duplicate:
    where: str
    question: str
    other_where: str
    other_question: str
    score: float
    kept: bool


@dataclass
class FileResult:
    path: Path
    entries: list[Entry]
    written: bool = False
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def drafts(self) -> int:
        return sum(entry.draft for entry in self.entries)


@dataclass
class ImportResult:
    sources: list[Source]
    files: list[FileResult]
    duplicates: list[Duplicate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run_import(options: ImportOptions) -> ImportResult:
    _check_options(options)
    sources = _read_sources(options)
    targets = [options.out / name for name in output_names([s.path for s in sources])]
    target_keys = {_key(t) for t in targets}
    existing = _existing_questions(options)
    previous = {key: {q.id: q for q in existing if _key(Path(q.source)) == key} for key in target_keys}
    others = [q for q in existing if _key(Path(q.source)) not in target_keys]

    vocabulary_file = _vocabulary_file(options)
    vocabulary = read_vocabulary(vocabulary_file)[0] if vocabulary_file else None
    maker = EntryMaker(
        topic=options.topic,
        tags=options.tags,
        vocabulary=vocabulary,
        bank_words=[(content_words(q.question), q.topic) for q in others],
    )
    result = ImportResult(sources=sources, files=[])
    seen = SeenQuestions()
    for question in others:
        seen.add(question.question, f"{question.source}:{question.line}")
    taken_ids = {q.id for q in others}
    for source, target in zip(sources, targets):
        entries = []
        for candidate in source.parsed.candidates:
            where = f"{source.name}:{candidate.line}"
            match = seen.match(candidate.question)
            if match is not None:
                kept = options.keep_duplicates
                result.duplicates.append(Duplicate(where, candidate.question, match.where, match.question, match.score, kept))
                if not kept:
                    continue
            entry = _with_free_id(maker.make(candidate, source.path.name, where), taken_ids)
            taken_ids.add(entry.id)
            seen.add(candidate.question, where)
            entries.append(entry)
        result.files.append(_compare(FileResult(target, entries), previous[_key(target)]))
    result.notes = maker.notes
    rendered = {f.path: render_file(f.entries, _comment(s)) for f, s in zip(result.files, sources) if f.entries}
    _validate(rendered, vocabulary_file)
    _write(rendered, result.files)
    return result


def output_names(paths: list[Path]) -> list[str]:
    """OUT/<stem>.yaml per input; inputs sharing a stem keep their extension: notes-md.yaml, notes-txt.yaml."""
    stems = [p.stem if p.stem.lower() != "vocabulary" else "vocabulary-import" for p in paths]
    names = [
        stem if stems.count(stem) == 1 else f"{stem}-{path.suffix.lstrip('.').lower() or 'file'}"
        for stem, path in zip(stems, paths)
    ]
    unique = []
    for name in names:
        candidate, n = name, 2
        while candidate in unique:
            candidate, n = f"{name}-{n}", n + 1
        unique.append(candidate)
    return [f"{name}.yaml" for name in unique]


def _check_options(options: ImportOptions) -> None:
    problems = []
    if options.topic is not None and options.topic not in TOPICS:
        close = get_close_matches(options.topic, list(TOPICS), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        problems.append(f"--topic: unknown topic '{options.topic}' ({hint}known: {', '.join(TOPICS)})")
    if options.out.exists() and not options.out.is_dir():
        problems.append(f"{options.out}: the output must be a directory")
    seen = set()
    for path in options.files:
        if _key(path) in seen:
            problems.append(f"{path}: given twice")
        seen.add(_key(path))
    if problems:
        raise ImportFailed(problems)


def _read_sources(options: ImportOptions) -> list[Source]:
    sources, problems = [], []
    for path in options.files:
        try:
            sources.append(read_source(path, options.fmt))
        except NotImportable as exc:
            problems.append(f"{path}: {exc}")
    if problems:
        raise ImportFailed(problems)
    return sources


def _existing_questions(options: ImportOptions) -> list[Question]:
    """Questions in the bank and in the output folder, each once."""
    seen, questions = set(), []
    for folder in (options.bank, options.out):
        if not folder.exists() or not bank_files(folder):
            continue
        bank, _ = read_bank(folder)
        for question in bank.questions.values():
            key = (_key(Path(question.source)), question.id)
            if key not in seen:
                seen.add(key)
                questions.append(question)
    return questions


def _with_free_id(entry: Entry, taken: set[str]) -> Entry:
    """Only a kept duplicate (or a hash collision) can meet a taken id; number it deterministically."""
    if entry.id not in taken:
        return entry
    n = 2
    while f"{entry.id}-{n}" in taken:
        n += 1
    return replace(entry, id=f"{entry.id}-{n}")


def _compare(file: FileResult, previous: dict[str, Question]) -> FileResult:
    for entry in file.entries:
        old = previous.get(entry.id)
        if old is None:
            file.new += 1
        elif entry_from_question(old) == entry:
            file.unchanged += 1
        else:
            file.updated += 1
    file.removed = len(set(previous) - {e.id for e in file.entries})
    return file


def _comment(source: Source) -> list[str]:
    return [
        f"Imported from {source.path.name} by `qotd content import`.",
        "Questions with draft: true need a 60-250 word answer and 3-6 key_points before they are posted.",
    ]


def _vocabulary_file(options: ImportOptions) -> Path | None:
    """The tag vocabulary the output will be validated against: its own, else the bank's when it lies inside the bank."""
    out, bank = options.out.resolve(), options.bank.resolve()
    folders = [out] + ([bank] if bank.is_dir() and (out == bank or bank in out.parents) else [])
    return next((f / VOCABULARY_FILE for f in folders if (f / VOCABULARY_FILE).is_file()), None)


def _validate(rendered: dict[Path, str], vocabulary: Path | None) -> None:
    if not rendered:
        return
    with tempfile.TemporaryDirectory(prefix="qotd-import-") as scratch:
        folder = Path(scratch)
        if vocabulary is not None:
            (folder / VOCABULARY_FILE).write_bytes(vocabulary.read_bytes())
        names = {}
        for path, text in rendered.items():
            (folder / path.name).write_text(text, encoding="utf-8")
            names[str(folder / path.name)] = str(path)
        _, problems = read_bank(folder)
    if problems:
        lines = [f"{names.get(p.path, p.path)}:{p.line}: {p.message}" for p in problems]
        raise ImportFailed(["the imported questions would not validate:", *lines])


def _write(rendered: dict[Path, str], files: list[FileResult]) -> None:
    for file in files:
        text = rendered.get(file.path)
        if text is None:
            continue
        data = text.encode("utf-8")
        if file.path.is_file() and file.path.read_bytes() == data:
            continue
        file.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = file.path.with_name(f".{file.path.name}.tmp")
        scratch.write_bytes(data)
        os.replace(scratch, file.path)
        file.written = True


def _key(path: Path) -> str:
    return str(path.resolve())
