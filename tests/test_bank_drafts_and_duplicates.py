"""Draft questions and near-duplicate detection in the bank."""

from __future__ import annotations

import subprocess
import sys

from bot.near_duplicates import content_words, find_near_duplicates, is_near_duplicate
from bot.question_bank import read_bank, validate_bank
from tests.support import REPO

ANSWER = " ".join(["word"] * 70)


def question(qid: str, text: str, *, draft: bool = False, answer: str = ANSWER, points: int = 3) -> str:
    key_points = "".join(f"\n    - point {n}" for n in range(points)) if points else " []"
    lines = [
        f"- id: {qid}",
        "  topic: databases",
        "  tags: [sql]",
        "  difficulty: 2",
        "  kind: compare",
        f'  question: "{text}"',
        f'  answer: "{answer}"',
        f"  key_points:{key_points}",
    ]
    if draft:
        lines += ["  draft: true", "  imported_from: notes.md:3"]
    return "\n".join(lines) + "\n"


def test_reworded_questions_are_near_duplicates():
    pairs = [
        ("What is the difference between SQL and NoSQL?", "Compare SQL and NoSQL databases"),
        ("Explain optimistic vs pessimistic locking.", "Optimistic locking versus pessimistic locking: when to use which?"),
        ("What are database indexes?", "Explain what a database index is."),
    ]
    for left, right in pairs:
        duplicate, score = is_near_duplicate(content_words(left), content_words(right))
        assert duplicate, (left, right, score)


def test_related_but_different_questions_are_not_near_duplicates():
    pairs = [
        ("What is a cache stampede?", "Design a cache that survives a stampede during deploys"),
        ("What is the N+1 query problem?", "How do you find the most expensive queries in PostgreSQL?"),
        ("Compare REST and GraphQL.", "Compare REST and gRPC."),
    ]
    for left, right in pairs:
        duplicate, score = is_near_duplicate(content_words(left), content_words(right))
        assert not duplicate, (left, right, score)


def test_find_near_duplicates_reports_each_pair_once():
    matches = find_near_duplicates(
        [("a", "What is the difference between SQL and NoSQL?"), ("b", "What is Kafka?"), ("c", "Compare SQL and NoSQL databases")]
    )
    assert [(m.left, m.right) for m in matches] == [("c", "a")]


def test_drafts_validate_leniently_and_are_never_posted(tmp_path):
    (tmp_path / "bank.yaml").write_text(
        question("finished-one", "What is MVCC?")
        + question("draft-without-answer", "What is a B-tree?", draft=True, answer="", points=0)
    )
    bank, problems = read_bank(tmp_path)
    assert problems == []
    draft = bank.questions["draft-without-answer"]
    assert draft.draft and draft.imported_from == "notes.md:3" and draft.answer == ""
    assert [q.id for q in bank.eligible()] == ["finished-one"]


def test_a_finished_question_still_needs_an_answer(tmp_path):
    path = tmp_path / "bank.yaml"
    path.write_text(question("no-answer", "What is a B-tree?", answer="", points=3))
    _, problems = read_bank(path)
    assert [str(p) for p in problems] == [
        f"{path}:7: answer: must be non-empty text (or mark the question draft: true)"
    ]


def test_validate_reports_near_duplicates_with_both_places(tmp_path):
    (tmp_path / "a.yaml").write_text(question("sql-vs-nosql", "What is the difference between SQL and NoSQL?"))
    (tmp_path / "b.yaml").write_text(question("compare-sql-nosql", "Compare SQL and NoSQL databases"))
    _, problems = validate_bank(tmp_path)
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'b.yaml'}:1: near-duplicate: 'compare-sql-nosql' asks the same as 'sql-vs-nosql' at "
        f"{tmp_path / 'a.yaml'}:1 (similarity 0.67); reword one or drop it"
    ]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "content", "validate", str(tmp_path)], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 1 and "near-duplicate" in result.stdout


def test_the_shipped_bank_has_no_near_duplicates():
    _, problems = validate_bank(REPO / "content")
    assert problems == []


def test_tags_come_from_the_vocabulary_beside_the_bank(tmp_path):
    (tmp_path / "vocabulary.yaml").write_text("tags:\n  - sql\n  - postgresql\n")
    path = tmp_path / "bank.yaml"
    path.write_text(question("uses-listed-tag", "What is MVCC?") + question("typo-tag", "What is WAL?").replace("[sql]", "[postgres]"))
    bank, problems = read_bank(tmp_path)
    assert [str(p) for p in problems] == [
        f"{path}:14: tags: tag 'postgres' is not in the tag vocabulary (did you mean 'postgresql'?); "
        "use a listed tag or add it to vocabulary.yaml"
    ]
    assert list(bank.questions) == ["uses-listed-tag"]


def test_a_broken_vocabulary_is_reported(tmp_path):
    (tmp_path / "vocabulary.yaml").write_text("tags:\n  - Good Tag\n  - sql\n  - sql\n")
    (tmp_path / "bank.yaml").write_text(question("q-one", "What is MVCC?"))
    _, problems = read_bank(tmp_path)
    vocabulary = tmp_path / "vocabulary.yaml"
    assert [str(p) for p in problems] == [
        f"{vocabulary}:2: tag 'Good Tag' must be lowercase letters, digits and hyphens",
        f"{vocabulary}:4: tag 'sql' is listed twice",
    ]


def test_a_tag_listed_twice_is_reported(tmp_path):
    path = tmp_path / "bank.yaml"
    path.write_text(question("q-one", "What is MVCC?").replace("[sql]", "[sql, mvcc, sql]"))
    _, problems = read_bank(path)
    assert [str(p) for p in problems] == [f"{path}:3: tags: tag 'sql' is listed twice"]
