"""The lines an import run prints: what was skipped and why, duplicates, files written, and the totals."""

from __future__ import annotations

from bot.content_import.importer import ImportResult


def summary_lines(result: ImportResult, verbose: bool = False) -> list[str]:
    lines: list[str] = []
    if verbose:
        for source in result.sources:
            lines.append(f"{source.name}: read as {source.fmt} ({source.encoding})")
            for skipped in source.parsed.skipped:
                lines.append(f"{source.name}:{skipped.line}: skipped ({skipped.reason}): {skipped.text}")
            for candidate in source.parsed.candidates:
                if not candidate.answer:
                    lines.append(f"{source.name}:{candidate.line}: no answer (imported as a draft): {_one_line(candidate.question)}")
    for dup in result.duplicates:
        action = "duplicate kept (--keep-duplicates)" if dup.kept else "duplicate skipped"
        lines.append(
            f'{dup.where}: {action}: "{_one_line(dup.question)}" asks the same as "{_one_line(dup.other_question)}" '
            f"at {dup.other_where} (similarity {dup.score:.2f})"
        )
    lines.extend(result.notes)
    for file in result.files:
        lines.append(_file_line(file))
    found = sum(len(s.parsed.candidates) for s in result.sources)
    without = sum(1 for s in result.sources for c in s.parsed.candidates if not c.answer)
    skipped = sum(len(s.parsed.skipped) for s in result.sources)
    hint = " (--verbose lists them)" if skipped and not verbose else ""
    lines += [
        f"questions found: {found}",
        f"with answers: {found - without}",
        f"without answers: {without}",
        f"duplicates skipped: {sum(not d.kept for d in result.duplicates)}",
        f"lines skipped: {skipped}{hint}",
    ]
    return lines


def _file_line(file) -> str:
    if not file.entries:
        return f"{file.path}: nothing to write (every question is a duplicate)"
    verb = "wrote" if file.written else "unchanged"
    count = len(file.entries)
    ready = count - file.drafts
    changes = [f"{n} {label}" for n, label in ((file.new, "new"), (file.unchanged, "unchanged"), (file.updated, "updated"), (file.removed, "removed")) if n]
    return f"{verb} {file.path}: {count} question{'s' if count != 1 else ''} ({ready} ready, {file.drafts} draft{'s' if file.drafts != 1 else ''}); {', '.join(changes)}"


def _one_line(text: str) -> str:
    first = " ".join(text.split("\n", 1)[0].split())
    return first if len(first) <= 80 else first[:77] + "..."
