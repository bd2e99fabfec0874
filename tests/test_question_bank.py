"""The question bank: every problem in a bank file is reported with its file and 1-based line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.question_bank import BankError, Problem, load_bank, read_bank
from tests.support import REPO

ALLOWED = "id, topic, tags, difficulty, kind, question, answer, key_points, follow_ups, references, draft, imported_from"
KNOWN_TOPICS = (
    "apis-http, nodejs, python-runtimes, databases, caching, messaging, distributed-systems, "
    "security, operations, cs-fundamentals, system-design, engineering-practice"
)
KNOWN_KINDS = "concept, compare, design, debug, scenario, behavioral"


def words(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


def question(qid: str = "db-index-basics", drop: tuple[str, ...] = (), extra: tuple[str, ...] = (), **values: str) -> str:
    """One question, one field per line, always in this order (line numbers relative to the '- id' line):

    1 id, 2 topic, 3 tags, 4 kind, 5 difficulty, 6 question, 7 answer, 8 key_points, then `extra` lines.
    """
    fields = {
        "id": qid,
        "topic": "databases",
        "tags": "[sql, indexes]",
        "kind": "concept",
        "difficulty": "2",
        "question": "What does a B-tree index make faster, and what does it cost?",
        "answer": words(80),
        "key_points": "[lookups, range scans, write cost]",
    }
    fields.update(values)
    lines = [f"{key}: {value}" for key, value in fields.items() if key not in drop] + list(extra)
    return "\n".join(("- " if n == 0 else "  ") + line for n, line in enumerate(lines)) + "\n"


def write(tmp_path: Path, name: str, *questions: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(questions), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    return [str(p) for p in read_bank(path)[1]]


# ---------------------------------------------------------------- valid files


def test_a_valid_file_loads_every_field(tmp_path):
    path = write(
        tmp_path,
        "db.yaml",
        question(extra=('follow_ups: ["What about hash indexes?"]', "references: [Use The Index Luke]")),
        question("db-second", topic="caching", kind="debug", difficulty="3"),
    )
    bank, problems = read_bank(path)
    assert problems == []
    assert sorted(bank.questions) == ["db-index-basics", "db-second"]
    first = bank.get("db-index-basics")
    assert first.topic == "databases"
    assert first.tags == ("sql", "indexes")
    assert first.kind == "concept"
    assert first.difficulty == 2
    assert first.question == "What does a B-tree index make faster, and what does it cost?"
    assert first.answer == words(80)
    assert first.key_points == ("lookups", "range scans", "write cost")
    assert first.follow_ups == ("What about hash indexes?",)
    assert first.references == ("Use The Index Luke",)
    assert first.source == str(path)
    assert bank.get("db-second").difficulty == 3
    assert bank.counts() == {"databases": {2: 1}, "caching": {3: 1}}


@pytest.mark.parametrize("count", [3, 6])
def test_key_points_bounds_are_inclusive(tmp_path, count):
    points = "[" + ", ".join(f"point {n}" for n in range(count)) + "]"
    assert problems_of(write(tmp_path, "q.yaml", question(key_points=points))) == []


@pytest.mark.parametrize("count", [60, 250])
def test_answer_word_bounds_are_inclusive(tmp_path, count):
    assert problems_of(write(tmp_path, "q.yaml", question(answer=words(count)))) == []


# ---------------------------------------------------------------- one problem, exact file:line


def test_bad_difficulty_reports_its_line(tmp_path):
    path = write(tmp_path, "q.yaml", question(difficulty="7"))
    assert problems_of(path) == [f"{path}:5: difficulty: '7' must be 1, 2 or 3"]


def test_line_numbers_count_from_one_across_questions(tmp_path):
    # questions start on lines 1, 10 and 19 (8 lines each, a blank line between)
    path = write(tmp_path, "q.yaml", question("q-one"), question("q-two", difficulty="hard"), question("q-three", difficulty="0"))
    assert problems_of(path) == [
        f"{path}:14: difficulty: 'hard' must be 1, 2 or 3",
        f"{path}:23: difficulty: '0' must be 1, 2 or 3",
    ]


def test_typo_in_a_field_name_is_an_unknown_field_and_a_missing_one(tmp_path):
    path = write(tmp_path, "q.yaml", question("q-one"), question("q-typo", drop=("answer",), extra=(f"anwser: {words(80)}",)))
    assert problems_of(path) == [
        f"{path}:17: unknown field 'anwser' (did you mean 'answer'? allowed: {ALLOWED})",
        f"{path}:10: question is missing required field 'answer'",
    ]


def test_missing_required_fields_point_at_the_question(tmp_path):
    path = write(tmp_path, "q.yaml", question("q-one"), question("q-two", drop=("kind", "key_points")))
    assert problems_of(path) == [
        f"{path}:10: question is missing required field 'kind'",
        f"{path}:10: question is missing required field 'key_points'",
    ]


def test_duplicate_field_in_one_question(tmp_path):
    path = write(tmp_path, "q.yaml", question(extra=("topic: caching",)))
    assert problems_of(path) == [f"{path}:9: field 'topic' appears twice"]


def test_duplicate_id_across_files_says_where_it_was_first_defined(tmp_path):
    first = write(tmp_path, "a.yaml", question("shared-id"))
    second = write(tmp_path, "b.yaml", question("only-in-b"), question("shared-id", topic="caching"))
    bank, problems = read_bank(tmp_path)
    assert [str(p) for p in problems] == [f"{second}:10: duplicate id 'shared-id' (first defined at {first}:1)"]
    assert problems[0] == Problem(str(second), 10, f"duplicate id 'shared-id' (first defined at {first}:1)")
    assert bank.get("shared-id").topic == "databases"  # the first definition is kept
    assert bank.get("shared-id").source == str(first)


def test_duplicate_id_in_one_file(tmp_path):
    path = write(tmp_path, "q.yaml", question("same-id"), question("same-id"))
    assert problems_of(path) == [f"{path}:10: duplicate id 'same-id' (first defined at {path}:1)"]


def test_yaml_syntax_error_reports_its_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(question("q-one") + "\n- id: q-two\n  topic: databases\n   tags: [x]\n", encoding="utf-8")
    assert problems_of(path) == [f"{path}:12: YAML syntax error: mapping values are not allowed here"]


def test_unclosed_flow_list_is_a_syntax_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(question(key_points="[one, two, three"), encoding="utf-8")
    [problem] = read_bank(path)[1]
    assert problem.path == str(path)
    assert problem.line == 9
    assert problem.message.startswith("YAML syntax error: ")


def test_top_level_must_be_a_list(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("# questions about databases\n\nid: db-one\ntopic: databases\n", encoding="utf-8")
    assert problems_of(path) == [f"{path}:3: expected a list of questions (each starting with '- id: ...')"]


def test_list_items_must_be_mappings(tmp_path):
    path = write(tmp_path, "q.yaml", question("q-one"), "- just a sentence\n")
    assert problems_of(path) == [f"{path}:10: each question must be a mapping of fields (id, topic, ...)"]


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert problems_of(path) == [f"{path}:1: file is empty; expected a list of questions"]


@pytest.mark.parametrize(
    ("points", "count"),
    [("[one, two]", 2), ("[a, b, c, d, e, f, g]", 7), ("[]", 0), ("just one point", None), ('[a, b, "  "]', None)],
)
def test_key_points_count_out_of_range(tmp_path, points, count):
    path = write(tmp_path, "q.yaml", question(key_points=points))
    assert problems_of(path) == [f"{path}:8: key_points: must be a list of 3-6 non-empty points"]


@pytest.mark.parametrize("count", [59, 251, 5])
def test_answer_word_count_out_of_range(tmp_path, count):
    path = write(tmp_path, "q.yaml", question(answer=words(count)))
    assert problems_of(path) == [f"{path}:7: answer: has {count} words; a reference answer has 60-250"]


def test_answer_counts_words_across_lines(tmp_path):
    block = "|\n" + "\n".join("    " + words(10) for _ in range(5))  # 50 words on 5 lines
    path = write(tmp_path, "q.yaml", question(answer=block))
    assert problems_of(path) == [f"{path}:7: answer: has 50 words; a reference answer has 60-250"]


def test_unknown_topic_and_kind(tmp_path):
    path = write(tmp_path, "q.yaml", question("q-topic", topic="astrology"), question("q-kind", kind="riddle"))
    assert problems_of(path) == [
        f"{path}:2: topic: unknown topic 'astrology' (known: {KNOWN_TOPICS})",
        f"{path}:13: kind: unknown kind 'riddle' (known: {KNOWN_KINDS})",
    ]


@pytest.mark.parametrize("qid", ["Bad_ID", "ab", "-leading-hyphen", "has space", "x" * 81, "ünïcode-id"])
def test_bad_id_pattern(tmp_path, qid):
    path = write(tmp_path, "q.yaml", question(f'"{qid}"'))
    assert problems_of(path) == [f"{path}:1: id: '{qid}' must be 3-80 characters of lowercase letters, digits and hyphens"]


@pytest.mark.parametrize("qid", ["abc", "x" * 80, "0day-exploit"])
def test_good_id_pattern(tmp_path, qid):
    assert problems_of(write(tmp_path, "q.yaml", question(qid))) == []


def test_bad_tags_and_optional_lists(tmp_path):
    path = write(
        tmp_path,
        "q.yaml",
        question("q-tags", tags="[Not_A_Tag]"),
        question("q-follow", extra=("follow_ups: not a list",)),
    )
    assert problems_of(path) == [
        f"{path}:3: tags: tag 'Not_A_Tag' must be lowercase letters, digits and hyphens",
        f"{path}:18: follow_ups: must be a list of text items",
    ]


# ---------------------------------------------------------------- many problems at once


def test_every_problem_in_a_file_is_reported(tmp_path):
    path = write(
        tmp_path,
        "many.yaml",
        question("good-one"),                                            # 1
        question("two-problems", topic="astrology", kind="riddle"),      # 10
        question("bad-points", key_points="[only one]"),                 # 19
        question("typo", drop=("answer",), extra=("anwser: hi",)),       # 28
        question("good-one"),                                            # 37
        question("short", answer=words(3), difficulty="9"),              # 46
    )
    bank, problems = read_bank(path)
    assert [str(p) for p in problems] == [
        f"{path}:11: topic: unknown topic 'astrology' (known: {KNOWN_TOPICS})",
        f"{path}:13: kind: unknown kind 'riddle' (known: {KNOWN_KINDS})",
        f"{path}:26: key_points: must be a list of 3-6 non-empty points",
        f"{path}:35: unknown field 'anwser' (did you mean 'answer'? allowed: {ALLOWED})",
        f"{path}:28: question is missing required field 'answer'",
        f"{path}:50: difficulty: '9' must be 1, 2 or 3",
        f"{path}:52: answer: has 3 words; a reference answer has 60-250",
        f"{path}:37: duplicate id 'good-one' (first defined at {path}:1)",
    ]
    assert list(bank.questions) == ["good-one"]


def test_problems_from_several_files_are_all_reported(tmp_path):
    a = write(tmp_path, "a.yaml", question("a-one", difficulty="4"))
    b = tmp_path / "nested" / "b.yml"
    b.parent.mkdir()
    b.write_text("- id: b-one\n  topic: [\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a bank file", encoding="utf-8")
    assert problems_of(tmp_path) == [
        f"{a}:5: difficulty: '4' must be 1, 2 or 3",
        f"{b}:3: YAML syntax error: expected the node content, but found '<stream end>'",
    ]


def test_load_bank_raises_with_every_problem(tmp_path):
    path = write(tmp_path, "q.yaml", question(difficulty="7"), question("q-two", topic="astrology"))
    with pytest.raises(BankError) as err:
        load_bank(path)
    assert [p.line for p in err.value.problems] == [5, 11]
    assert str(err.value).splitlines() == [
        f"{path}:5: difficulty: '7' must be 1, 2 or 3",
        f"{path}:11: topic: unknown topic 'astrology' (known: {KNOWN_TOPICS})",
    ]


def test_missing_path_and_directory_without_bank_files(tmp_path):
    missing = tmp_path / "nope"
    assert problems_of(missing) == [f"{missing}:0: no such file or directory"]
    (tmp_path / "readme.md").write_text("# hi", encoding="utf-8")
    assert problems_of(tmp_path) == [f"{tmp_path}:0: no .yaml question files found"]


def latin1_file(tmp_path: Path) -> Path:
    """A bank file whose question text (line 6, byte 110) has a Latin-1 'ä'."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes(question().encode("utf-8").replace(b"What", b"Wh\xe4t"))
    return path


def test_non_utf8_file_names_the_byte(tmp_path):
    path = latin1_file(tmp_path)
    [problem] = read_bank(path)[1]
    assert problem.path == str(path)
    assert problem.message == "not UTF-8 text (invalid continuation byte at byte 110); save the file as UTF-8"


def test_non_utf8_file_reports_the_line_of_the_bad_byte(tmp_path):
    path = latin1_file(tmp_path)
    assert [p.line for p in read_bank(path)[1]] == [6]


# ---------------------------------------------------------------- the shipped bank


def test_shipped_bank_loads_without_problems():
    bank, problems = read_bank(REPO / "content")
    assert [str(p) for p in problems] == []
    assert len(bank) >= 20
    assert load_bank(REPO / "content").questions.keys() == bank.questions.keys()
    for q in bank.questions.values():
        assert Path(q.source).parent == REPO / "content"
