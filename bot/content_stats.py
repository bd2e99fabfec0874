"""Coverage of the question bank, as a maintainer reads it: where are the gaps?"""

from __future__ import annotations

from collections import Counter
from statistics import median

from bot.question_bank import QuestionBank
from bot.topics import KINDS, TOPICS

MIN_PER_TOPIC = 10


def difficulty_table(bank: QuestionBank) -> list[str]:
    counts = bank.counts()
    width = max(len(t) for t in TOPICS)
    lines = [f"{'topic':<{width}}  d1  d2  d3  total"]
    totals = [0, 0, 0]
    for topic in TOPICS:
        row = counts.get(topic)
        if not row:
            continue
        values = [row.get(d, 0) for d in (1, 2, 3)]
        totals = [a + b for a, b in zip(totals, values)]
        lines.append(f"{topic:<{width}}  {values[0]:>2}  {values[1]:>2}  {values[2]:>2}  {sum(values):>5}")
    lines.append(f"{'total':<{width}}  {totals[0]:>2}  {totals[1]:>2}  {totals[2]:>2}  {sum(totals):>5}")
    return lines


def kind_table(bank: QuestionBank) -> list[str]:
    width = max(len(t) for t in TOPICS)
    short = {kind: kind[:5] for kind in KINDS}
    lines = [f"{'topic':<{width}}  " + "  ".join(f"{short[k]:>5}" for k in KINDS)]
    for topic in TOPICS:
        kinds = Counter(q.kind for q in bank.questions.values() if q.topic == topic)
        if kinds:
            lines.append(f"{topic:<{width}}  " + "  ".join(f"{kinds.get(k, 0):>5}" for k in KINDS))
    return lines


def gaps(bank: QuestionBank) -> list[str]:
    found = []
    for topic in TOPICS:
        questions = [q for q in bank.questions.values() if q.topic == topic and not q.draft]
        if len(questions) < MIN_PER_TOPIC:
            found.append(f"{topic}: {len(questions)} questions (aim for at least {MIN_PER_TOPIC})")
        missing_levels = [str(d) for d in (1, 2, 3) if not any(q.difficulty == d for q in questions)]
        if questions and missing_levels:
            found.append(f"{topic}: no difficulty {', '.join(missing_levels)}")
        expected = [k for k in KINDS if k != "behavioral" or topic == "engineering-practice"]
        missing_kinds = [k for k in expected if not any(q.kind == k for q in questions)]
        if questions and missing_kinds:
            found.append(f"{topic}: no {', '.join(missing_kinds)} question")
    return found


def stats_report(bank: QuestionBank) -> str:
    questions = list(bank.questions.values())
    lines = ["Questions per topic and difficulty:"] + difficulty_table(bank)
    lines += ["", "Questions per topic and kind:"] + kind_table(bank)
    finished = [q for q in questions if not q.draft]
    if finished:
        words = [len(q.answer.split()) for q in finished]
        lines += [
            "",
            f"Answers: {min(words)}-{max(words)} words (median {median(words):.0f}); "
            f"{sum(1 for q in finished if q.follow_ups)} of {len(finished)} have follow-ups, "
            f"{sum(1 for q in finished if q.references)} have references.",
        ]
    drafts = [q for q in questions if q.draft]
    if drafts:
        lines.append(f"Drafts waiting to be finished (never posted): {len(drafts)}")
    tags = Counter(t for q in questions for t in q.tags)
    if tags:
        top = ", ".join(f"{tag} ({n})" for tag, n in tags.most_common(12))
        lines += ["", f"Tags: {len(tags)} in use; most used: {top}"]
    found = gaps(bank)
    lines += ["", "Gaps:" if found else "Gaps: none — every topic has enough questions at every level and of every kind."]
    lines += [f"  - {gap}" for gap in found]
    return "\n".join(lines)
