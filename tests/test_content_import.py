"""`qotd content import`: notes in many shapes become bank files that `qotd content validate` accepts.

Parser details are checked directly on the fixtures in tests/fixtures/import/; the command's
behaviour (summary, exit codes, idempotence, nothing written on failure) through real subprocesses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.content_import.decoding import decode
from bot.content_import.entries import normalize_tag
from bot.content_import.formats import detect_format, sniff_format
from bot.content_import.html_fields import html_to_markdown
from bot.content_import.ids import question_id
from bot.content_import.junk import junk_reason
from bot.content_import.key_points import extract_key_points, is_finished
from bot.content_import.prose import parse_prose
from bot.content_import.records import NotImportable, Parsed
from bot.content_import.sources import read_source
from bot.content_import.structured import parse_json
from bot.content_import.tabular import parse_tabular
from bot.content_import.topic_guess import guess_kind, guess_topic
from bot.content_import.writer import Entry, render_file
from bot.question_bank import read_bank
from tests.support import REPO

FIXTURES = REPO / "tests" / "fixtures" / "import"
BANK = FIXTURES / "bank"
PHANTOM_READ = "Q: What\u2019s a \u201cphantom read\u201d?\r\nA: Another transaction inserts rows \u2014 so a repeated query sees them.\r\n"


def parsed(name: str) -> Parsed:
    return read_source(FIXTURES / name).parsed


def pairs(result: Parsed) -> list[tuple[str, str]]:
    return [(c.question, c.answer) for c in result.candidates]


def qotd(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("QOTD_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=REPO, env=clean, capture_output=True, text=True, timeout=60
    )


def run_import(*args: str, **env: str) -> subprocess.CompletedProcess:
    return qotd("content", "import", *args, **env)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def fixture(name: str) -> str:
    return str(FIXTURES / name)


# ---------------------------------------------------------------- prose shapes


def test_numbered_markdown_keeps_code_blocks_and_lists_in_answers():
    result = parsed("numbered.md")
    assert [c.line for c in result.candidates] == [5, 19, 31, 38]
    assert pairs(result) == [
        (
            "What is the N+1 query problem?",
            "It happens when code loads a list of rows with one query and then runs one\n"
            "more query for each row to fetch related data. Each query is cheap, but the\n"
            "round trips add up and the cost grows with the page size.\n\n"
            "Ways to fix it:\n\n"
            "- Eager loading with a join for to-one relations.\n"
            "- One batched `WHERE id IN (...)` query for to-many relations.\n"
            "- A per-request DataLoader when serving GraphQL.\n\n"
            "Spot it by counting queries per request in tests or in traces.",
        ),
        (
            "What does this function print?\n\n```python\ndef total(items=[]):\n    items.append(1)\n"
            "    return len(items)\n\nprint(total(), total())\n```",
            "It prints `1 2`: the default list is created once and shared between calls.",
        ),
        (
            "Explain connection pooling.",
            "A pool keeps database connections open and lends them to requests.\n\n"
            "Tune it with:\n1. a maximum size below the database's connection limit;\n"
            "2. a timeout for waiting on a free connection.",
        ),
        ("What is a covering index?", ""),
    ]
    assert [(s.line, s.reason) for s in result.skipped] == [(1, "section heading"), (3, "before the first question")]


def test_q_and_a_markers():
    assert pairs(parsed("q_a.txt")) == [
        ("What is a mutex?", "A lock that only one thread can hold at a time."),
        (
            "What is a race condition?",
            "Two threads touch shared state and the result depends on timing.\n\n"
            "Fix it with a lock:\n\n```go\nmu.Lock()\ncounter++\nmu.Unlock()\n```",
        ),
        ("What is a semaphore?", "A counter that limits how many threads may enter a section at once."),
    ]


def test_numbered_q_markers_with_ans():
    result = parsed("q_dash_ans.txt")
    assert pairs(result) == [
        (
            "What is a dead-letter queue?",
            "A queue that receives messages a consumer failed to process after\n"
            "several retries, so they can be inspected instead of blocking the main queue.",
        ),
        (
            "You must rename a column on a busy table.\nWalk through your plan.",
            "Expand and contract:\n1. add the new column;\n2. write to both columns and backfill;\n"
            "3. switch reads, then drop the old column.",
        ),
    ]
    assert [c.line for c in result.candidates] == [1, 5]


def test_question_and_answer_words_as_markers():
    assert pairs(parsed("question_answer.md")) == [
        ("What is TLS termination?", "Decrypting TLS at a load balancer so the services behind it receive\nplain HTTP."),
        (
            "Why hash passwords with a slow function?",
            "A slow, salted hash such as bcrypt makes brute-forcing a leaked\npassword table expensive.",
        ),
    ]


def test_headings_are_questions_and_their_bodies_answers():
    result = parsed("headings.md")
    assert pairs(result) == [
        (
            "What is a cache stampede?",
            "Many requests miss the same key at once and all go to the database.\n\n"
            "### Example\n\n```\nGET /home -> miss -> SELECT ... (x 500)\n```",
        ),
        (
            "Explain cache-aside",
            "The application reads the cache first and, on a miss, loads the value from the\n"
            "database and stores it in the cache.",
        ),
    ]
    assert [(s.line, s.reason, s.text) for s in result.skipped] == [
        (1, "section heading", "# Caching questions"),
        (3, "before the first question", "A few questions our team asks about caching."),
        (20, "section heading", "## Further reading"),
        (22, "outside any question", "Our internal wiki has more."),
    ]


def test_bullets_written_as_question_then_answer():
    assert pairs(parsed("bullets.md")) == [
        ("What is a deadlock?", "Two threads each hold a lock the other one needs, so neither can continue."),
        (
            "What is a livelock?",
            "Threads keep reacting to each other and make no progress.\nBacking off for a random time usually breaks it.",
        ),
        ("What is a spinlock?", "A lock that busy-waits instead of sleeping."),
        ("What does `a ?? b` return in JavaScript?", "`b` when `a` is null or undefined, otherwise `a`."),
        ("What is priority inversion?", ""),
    ]


def test_reference_answer_marker_line_separates_question_and_answer():
    assert pairs(parsed("reference_answer.txt")) == [
        (
            "What does a load balancer do?",
            "It spreads incoming requests across several servers and stops sending\n"
            "traffic to servers that fail their health checks.",
        ),
        (
            "Describe the CAP theorem in one sentence.",
            "During a network partition a distributed system must choose between\nconsistency and availability.",
        ),
    ]


def test_text_between_question_and_answer_marker_belongs_to_the_question():
    result = parse_prose("## What do you do first?\n\nOrders pile up after a deploy.\n\n**Answer**\n\nRoll back first.\n")
    assert pairs(result) == [("What do you do first?\n\nOrders pile up after a deploy.", "Roll back first.")]
    result = parse_prose("Q: What do you do first?\nOrders pile up after a deploy.\nA: Roll back.\n")
    assert pairs(result) == [("What do you do first?\nOrders pile up after a deploy.", "Roll back.")]


def test_a_numbered_list_inside_an_answer_is_not_a_new_question():
    text = (
        "1. Why index foreign keys?\nJoins and cascading deletes need them.\n\n"
        "2. What is MVCC?\nReaders see a snapshot. Two follow-ups:\n1. Why does a reader never block?\n2. Who removes old versions?\n\n"
        "3. What is a deadlock?\n"
    )
    assert pairs(parse_prose(text)) == [
        ("Why index foreign keys?", "Joins and cascading deletes need them."),
        ("What is MVCC?", "Readers see a snapshot. Two follow-ups:\n1. Why does a reader never block?\n2. Who removes old versions?"),
        ("What is a deadlock?", ""),
    ]


def test_messy_web_page_yields_exactly_the_questions_a_person_counts():
    result = parsed("web_page.md")
    assert pairs(result) == [
        (
            "What does idempotent mean for an HTTP method?",
            "Sending the same request twice leaves the server in the same state as sending it once.\n\n"
            "PUT and DELETE are idempotent; POST usually is not.",
        ),
        (
            "Why put a message queue between two services?",
            "The producer keeps accepting work while the consumer is slow or down.\n\n"
            "- It smooths traffic spikes.\n- It lets you retry failed work.",
        ),
        (
            "What is a cache stampede, and how do you prevent it?",
            "Many requests miss the same expired key at once and all hit the database.\n\n"
            "Prevent it with a lock per key or by refreshing hot keys early.",
        ),
        ("Explain optimistic locking.", ""),
    ]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (1, "navigation"),
        (2, "navigation"),
        (3, "navigation"),
        (5, "cookie notice"),
        (6, "cookie notice"),
        (8, "section heading"),
        (10, "page furniture"),
        (11, "page furniture"),
        (12, "share buttons"),
        (14, "page furniture"),
        (20, "advert"),
        (24, "sign-up banner"),
        (33, "advert"),
        (41, "sign-up banner"),
        (45, "page furniture"),
        (47, "navigation"),
        (48, "navigation"),
        (52, "page furniture"),
        (53, "navigation"),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Home > Blog > Backend", "navigation"),
        ("Next »", "navigation"),
        ("© 2024 Example Ltd", "page furniture"),
        ("Advertisement", "advert"),
        ("Subscribe to our newsletter", "sign-up banner"),
        ("Table of contents", "page furniture"),
        ("We use cookies to give you the best experience.", "cookie notice"),
        ("Twitter · LinkedIn · Copy link", "share buttons"),
    ],
)
def test_page_furniture_is_recognised(line, reason):
    assert junk_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "Subscribe each consumer group to the orders topic.",
        "Next, the consumer commits its offset.",
        "The browser will accept cookies only over HTTPS.",
        "Log in to the host and check the kernel log.",
        "Share nothing between threads.",
        "Copyright law does not cover an API's behaviour, only its code, and the court case took ten years.",
    ],
)
def test_answer_sentences_that_mention_furniture_words_are_kept(line):
    assert junk_reason(line) is None


# ---------------------------------------------------------------- tables, cards, structured data


def test_csv_with_header_passes_topic_tags_and_difficulty():
    result = parsed("cards.csv")
    assert [(c.line, c.question, c.answer, c.topic, c.tags, c.difficulty) for c in result.candidates] == [
        (
            2,
            "What is a B-tree index?",
            "A balanced tree that keeps keys sorted, so lookups, range scans and ordered reads take logarithmic time.",
            "databases",
            ("indexes", "postgresql"),
            "1",
        ),
        (
            3,
            'What does "idempotent" mean for an API?',
            "Repeating the request has the same effect as sending it once.\n\nPUT and DELETE are idempotent.",
            None,
            ("http",),
            "3",
        ),
        (6, "What is a write-ahead log?", "", "databases", (), None),
    ]


def test_tsv_with_header():
    result = parsed("cards.tsv")
    assert [(c.question, c.answer, c.tags) for c in result.candidates] == [
        ("What is consistent hashing?", "A way to map keys to nodes so that adding a node moves only a small share of keys.", ("sharding",)),
        ("What is a vector clock?", "A list of counters, one per node, used to order events across nodes.", ()),
    ]


def test_anki_export_with_headers_and_html_fields():
    source = read_source(FIXTURES / "anki_export.txt")
    assert source.fmt == "tsv"
    assert [(c.line, c.question, c.answer, c.tags) for c in source.parsed.candidates] == [
        (4, "What is **backpressure**?", "A consumer telling its producer to slow down.\nWithout it, queues grow until memory runs out.", ("messaging::kafka",)),
        (
            5,
            "What does `EXPLAIN ANALYZE` show?",
            "The plan the database chose and the time each step took:\n\n- row estimates vs actual rows\n- loops & timing",
            ("postgres",),
        ),
        (
            6,
            "What is the *outbox* pattern?",
            "Write the event to an outbox table in the same transaction as the data.\n\nA relay publishes it later:\n\n"
            "```\nINSERT INTO outbox (payload) VALUES ('{}');\n```",
            (),
        ),
    ]


def test_anki_columns_header_semicolons_and_nested_json():
    result = parse_tabular("#separator:Semicolon\n#html:false\n#columns:Back;Front\nA log of <changes>;What is a WAL?\n", "\t")
    assert [(c.line, c.question, c.answer) for c in result.candidates] == [(4, "What is a WAL?", "A log of <changes>")]
    result = parse_tabular("question;answer\nWhat is ACID?;Atomicity, consistency, isolation, durability.\n", ",")
    assert pairs(result) == [("What is ACID?", "Atomicity, consistency, isolation, durability.")]
    result = parse_json('{"meta": {"v": [1]}, "cards": [\n {"front": "What is a JWT?", "back": "A signed token."}\n]}')
    assert [(c.line, c.question, c.answer) for c in result.candidates] == [(2, "What is a JWT?", "A signed token.")]


def test_html_fields_become_markdown():
    assert html_to_markdown("Use <strong>bold</strong> and <em>italic</em>,<br>then <code>x &lt; y</code>&nbsp;&amp; more") == (
        "Use **bold** and *italic*,\nthen `x < y` & more"
    )
    assert html_to_markdown("<p>Steps:</p><ol><li>Add</li><li>Backfill<ul><li>in batches</li></ul></li></ol>") == (
        "Steps:\n\n1. Add\n2. Backfill\n  - in batches"
    )


def test_json_list_of_objects_with_any_key_names():
    result = parsed("questions.json")
    assert [(c.line, c.question, c.answer, c.topic, c.tags, c.difficulty) for c in result.candidates] == [
        (2, "What is a circuit breaker?", "A wrapper that stops calling a failing dependency for a while and fails fast instead.", "distributed-systems", ("resilience",), None),
        (8, "What is jitter in retries?", "Random delay added to backoff so clients do not retry in lockstep.", None, (), "1"),
        (9, "What is a bulkhead?", "", None, (), None),
    ]
    assert [(s.line, s.reason) for s in result.skipped] == [(10, "not a question object")]


def test_yaml_list_of_objects():
    result = parsed("questions.yaml")
    assert [(c.line, c.question, c.answer, c.topic, c.tags) for c in result.candidates] == [
        (
            1,
            "What is a canary release?",
            "Sending a small share of traffic to the new version first and\nwatching its error rate before rolling out further.",
            None,
            ("deploys",),
        ),
        (6, "What is an SLO?", "A target for a service level indicator, such as 99.9% of requests under 300 ms.", "operations", ()),
    ]


# ---------------------------------------------------------------- formats and encodings


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("numbered.md", "markdown"),
        ("q_a.txt", "text"),
        ("anki_export.txt", "tsv"),
        ("cards.csv", "csv"),
        ("cards.tsv", "tsv"),
        ("questions.json", "json"),
        ("questions.yaml", "yaml"),
    ],
)
def test_format_by_extension_then_content(name, expected):
    path = FIXTURES / name
    assert detect_format(path, decode(path.read_bytes()).text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("questions.json", "json"), ("anki_export.txt", "tsv"), ("cards.csv", "csv"), ("questions.yaml", "yaml"), ("q_a.txt", "markdown")],
)
def test_format_sniffed_without_an_extension(name, expected):
    assert sniff_format(decode((FIXTURES / name).read_bytes()).text) == expected


def test_windows_1252_text_keeps_curly_quotes_and_dashes():
    raw = PHANTOM_READ.encode("cp1252")
    assert b"\x92" in raw and b"\x97" in raw  # really Windows-1252, not UTF-8
    decoded = decode(raw)
    assert decoded.encoding == "Windows-1252"
    assert decoded.text == PHANTOM_READ.replace("\r\n", "\n")


@pytest.mark.parametrize(("codec", "label"), [("utf-8-sig", "UTF-8 with BOM"), ("utf-16", "UTF-16"), ("utf-8", "UTF-8")])
def test_unicode_encodings(codec, label):
    decoded = decode(PHANTOM_READ.encode(codec))
    assert (decoded.encoding, decoded.text) == (label, PHANTOM_READ.replace("\r\n", "\n"))
    assert pairs(parse_prose(decoded.text)) == [
        ("What\u2019s a \u201cphantom read\u201d?", "Another transaction inserts rows \u2014 so a repeated query sees them.")
    ]


def test_binary_bytes_are_refused():
    with pytest.raises(NotImportable, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(NotImportable, match="binary"):
        decode(bytes(range(1, 32)) * 10)


# ---------------------------------------------------------------- ids, topics, kinds, key points, YAML


def test_ids_are_slug_plus_hash_and_stable():
    assert question_id("What is a cache stampede?") == question_id("what is a  cache stampede?")
    assert question_id("What is a cache stampede?").startswith("cache-stampede-")
    assert question_id("What\u2019s wrong with this handler?").startswith("wrong-handler-")
    assert question_id("What is a cache stampede?") != question_id("What is a cache stampede")


def test_topic_keywords_then_nearest_bank_question_then_fallback():
    assert guess_topic("What is a cache stampede?", "") == "caching"
    assert guess_topic("Why put a message queue between two services?", "") == "messaging"
    # databases and caching both score 2; databases is listed first in TOPICS
    assert guess_topic("When is Redis better than a SQL table?", "") == "databases"
    bank = [(frozenset({"onboarding", "buddy"}), "operations")]
    assert guess_topic("Why pair a newcomer with an onboarding buddy?", "", bank) == "operations"
    assert guess_topic("Why pair a newcomer with an onboarding buddy?", "") == "engineering-practice"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What does this print?\n\n```python\nprint(1)\n```", "debug"),
        ("What is the difference between SQL and NoSQL?", "compare"),
        ("Design a rate limiter for a public API.", "design"),
        ("Tell me about a time you disagreed with a reviewer.", "behavioral"),
        ("Latency suddenly doubles in production. What do you check?", "scenario"),
        ("What is a mutex?", "concept"),
    ],
)
def test_kind_guess(question, kind):
    assert guess_kind(question) == kind


def test_key_points_from_list_items_else_first_sentences():
    answer = "Fixes:\n\n- **Eager** loading\n- Batched `IN` queries\n- DataLoader\n\n```\n- not a point\n```"
    assert extract_key_points(answer) == ["Eager loading", "Batched `IN` queries", "DataLoader"]
    assert extract_key_points("One. Two! Three? Four.\n\nFive.") == ["One.", "Two!", "Three?"]
    assert extract_key_points("Lead-in:\n\n- only item\n\nA sentence.") == ["only item", "A sentence."]
    long_point = extract_key_points("- " + "word " * 40 + "\n- b\n- c")[0]
    assert len(long_point) <= 120 and long_point.endswith("…")
    assert is_finished(" ".join(["w"] * 60), ["a", "b", "c"]) and not is_finished(" ".join(["w"] * 59), ["a", "b", "c"])
    assert not is_finished(" ".join(["w"] * 60), ["a", "b"])


def test_tags_are_normalized():
    assert [normalize_tag(t) for t in ("Distributed Systems", "messaging::kafka", "C++", "!!")] == [
        "distributed-systems",
        "messaging-kafka",
        "c",
        None,
    ]


def test_written_yaml_is_readable_in_schema_order(tmp_path):
    entry = Entry(
        id="cache-stampede-abc123",
        topic="caching",
        tags=("imported",),
        difficulty=2,
        kind="concept",
        question="What is a cache stampede?",
        answer="Many requests miss at once.\n\n- use a lock: one loader",
        key_points=("Many requests miss at once.",),
        draft=True,
        imported_from="notes.md:3",
    )
    text = render_file([entry], ["Imported from notes.md"])
    assert text == (
        "# Imported from notes.md\n"
        "- id: cache-stampede-abc123\n"
        "  topic: caching\n"
        "  tags: [imported]\n"
        "  difficulty: 2\n"
        "  kind: concept\n"
        "  question: What is a cache stampede?\n"
        "  answer: |\n"
        "    Many requests miss at once.\n"
        "\n"
        "    - use a lock: one loader\n"
        "  key_points:\n"
        "    - Many requests miss at once.\n"
        "  draft: true\n"
        "  imported_from: notes.md:3\n"
    )
    (tmp_path / "q.yaml").write_text(text)
    bank, problems = read_bank(tmp_path)
    assert problems == [] and bank.questions["cache-stampede-abc123"].answer == entry.answer


# ---------------------------------------------------------------- the command


def test_import_writes_files_that_validate_and_prints_a_summary(tmp_path):
    out = tmp_path / "out"
    result = run_import(fixture("duplicates.md"), fixture("no_answer.md"), fixture("numbered.md"), "--bank", str(BANK), "-o", str(out))
    assert result.returncode == 0, result.stderr
    d = fixture("duplicates.md")
    assert result.stdout.splitlines() == [
        f'{d}:4: duplicate skipped: "Compare SQL and NoSQL databases." asks the same as '
        f'"What is the difference between SQL and NoSQL?" at {d}:1 (similarity 0.67)',
        f'{d}:7: duplicate skipped: "What is a database index?" asks the same as '
        f'"Explain what a database index is." at {BANK / "backend.yaml"}:1 (similarity 1.00)',
        f'{d}:10: duplicate skipped: "What is the difference between SQL and NoSQL?" asks the same as '
        f'"What is the difference between SQL and NoSQL?" at {d}:1 (similarity 1.00)',
        f"wrote {out / 'duplicates.yaml'}: 2 questions (0 ready, 2 drafts); 2 new",
        f"wrote {out / 'no_answer.yaml'}: 2 questions (0 ready, 2 drafts); 2 new",
        f"wrote {out / 'numbered.yaml'}: 4 questions (1 ready, 3 drafts); 4 new",
        "questions found: 11",
        "with answers: 9",
        "without answers: 2",
        "duplicates skipped: 3",
        "lines skipped: 2 (--verbose lists them)",
    ]
    assert sorted(snapshot(out)) == ["duplicates.yaml", "no_answer.yaml", "numbered.yaml"]
    validate = qotd("content", "validate", str(out))
    assert validate.returncode == 0, validate.stdout
    assert validate.stdout.splitlines()[-1] == f"OK: 8 questions in {out}"

    bank, _ = read_bank(out)
    by_question = {q.question: q for q in bank.questions.values()}
    assert sorted(by_question) == [
        "Explain connection pooling.",
        "What does this function print?\n\n```python\ndef total(items=[]):\n    items.append(1)\n    return len(items)\n\nprint(total(), total())\n```",
        "What is a bloom filter?",
        "What is a covering index?",
        "What is a hash join?",
        "What is sharding?",
        "What is the N+1 query problem?",
        "What is the difference between SQL and NoSQL?",
    ]
    finished = by_question["What is the N+1 query problem?"]
    assert (finished.draft, finished.imported_from, finished.topic, finished.difficulty, finished.kind, finished.tags) == (
        False,
        "numbered.md:5",
        "databases",
        2,
        "concept",
        ("imported",),
    )
    assert finished.key_points == (
        "Eager loading with a join for to-one relations.",
        "One batched `WHERE id IN (...)` query for to-many relations.",
        "A per-request DataLoader when serving GraphQL.",
    )
    debug = by_question[next(q for q in by_question if q.startswith("What does this function print?"))]
    assert (debug.kind, debug.draft, debug.answer) == ("debug", True, "It prints `1 2`: the default list is created once and shared between calls.")
    missing = by_question["What is a hash join?"]
    assert (missing.draft, missing.answer, missing.key_points, missing.imported_from) == (True, "", (), "no_answer.md:1")
    assert by_question["What is the difference between SQL and NoSQL?"].kind == "compare"


def test_written_file_keeps_schema_field_order_and_block_scalars(tmp_path):
    out = tmp_path / "out"
    assert run_import(fixture("numbered.md"), "--bank", str(BANK), "-o", str(out)).returncode == 0
    text = (out / "numbered.yaml").read_text(encoding="utf-8")
    first = text.split("\n\n- id:")[0]
    keys = [line.split(":")[0].strip() for line in first.splitlines() if line.startswith(("- ", "  ")) and not line.startswith("    ")]
    assert keys == ["- id", "topic", "tags", "difficulty", "kind", "question", "answer", "key_points", "imported_from"]
    assert "  answer: |\n    It happens when code loads a list of rows with one query and then runs one\n" in text
    assert "  question: |\n    What does this function print?\n\n    ```python\n    def total(items=[]):\n        items.append(1)\n" in text
    assert yaml.safe_load(text)[3] == {
        "id": question_id("What is a covering index?"),
        "topic": "databases",
        "tags": ["imported"],
        "difficulty": 2,
        "kind": "concept",
        "question": "What is a covering index?",
        "answer": "",
        "key_points": [],
        "draft": True,
        "imported_from": "numbered.md:38",
    }


def test_every_fixture_imports_into_a_folder_that_validates(tmp_path):
    out = tmp_path / "out"
    files = sorted(str(p) for p in FIXTURES.iterdir() if p.is_file())
    result = run_import(*files, "--bank", str(BANK), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-5:] == [
        "questions found: 44",
        "with answers: 38",
        "without answers: 6",
        "duplicates skipped: 4",
        "lines skipped: 27 (--verbose lists them)",
    ]
    # inputs sharing a stem keep their extension in the output name
    assert {"cards-csv.yaml", "cards-tsv.yaml", "questions-json.yaml", "questions-yaml.yaml"} <= set(snapshot(out))
    validate = qotd("content", "validate", str(out))
    assert validate.returncode == 0, validate.stdout
    bank, _ = read_bank(out)
    cards = {q.question: q for q in bank.questions.values() if q.imported_from.startswith("cards.csv")}
    b_tree = cards["What is a B-tree index?"]
    assert (b_tree.topic, b_tree.tags, b_tree.difficulty) == ("databases", ("imported", "indexes", "postgresql"), 1)
    anki = {q.imported_from: q for q in bank.questions.values() if q.imported_from.startswith("anki_export.txt")}
    assert anki["anki_export.txt:4"].tags == ("imported", "messaging-kafka")


def test_second_run_changes_nothing_and_says_so(tmp_path):
    out = tmp_path / "out"
    args = (fixture("duplicates.md"), fixture("web_page.md"), "--bank", str(BANK), "-o", str(out))
    first = run_import(*args)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    second = run_import(*args)
    assert second.returncode == 0, second.stderr
    assert snapshot(out) == before
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == mtimes
    lines = second.stdout.splitlines()
    assert f"unchanged {out / 'duplicates.yaml'}: 2 questions (0 ready, 2 drafts); 2 unchanged" in lines
    assert f"unchanged {out / 'web_page.yaml'}: 4 questions (0 ready, 4 drafts); 4 unchanged" in lines
    # the within-file duplicates are reported again; the earlier output is not a duplicate of itself
    assert "duplicates skipped: 3" in lines
    assert not any(str(out) in line for line in lines if "duplicate skipped" in line)


def test_output_inside_the_default_bank_is_not_a_duplicate_of_itself(tmp_path):
    bank = tmp_path / "content"
    bank.mkdir()
    (bank / "backend.yaml").write_bytes((BANK / "backend.yaml").read_bytes())
    out = bank / "imported"
    for _ in range(2):
        result = run_import(fixture("duplicates.md"), fixture("bullets.md"), "-o", str(out), QOTD_CONTENT_DIR=str(bank))
        assert result.returncode == 0, result.stderr
        # the bank (found through the configured content directory) catches "What is a database index?"
        assert f"at {bank / 'backend.yaml'}:1 (similarity 1.00)" in result.stdout
        assert "duplicates skipped: 3" in result.stdout.splitlines()
    assert f"unchanged {out / 'bullets.yaml'}: 5 questions (0 ready, 5 drafts); 5 unchanged" in result.stdout.splitlines()
    assert qotd("content", "validate", str(bank)).returncode == 0


def test_output_folder_that_is_the_bank(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "backend.yaml").write_bytes((BANK / "backend.yaml").read_bytes())
    for _ in range(2):
        result = run_import(fixture("no_answer.md"), "--bank", str(bank), "-o", str(bank))
        assert result.returncode == 0, result.stderr
        assert "duplicates skipped: 0" in result.stdout.splitlines()
    assert f"unchanged {bank / 'no_answer.yaml'}: 2 questions (0 ready, 2 drafts); 2 unchanged" in result.stdout.splitlines()


def test_questions_in_other_output_files_count_as_existing(tmp_path):
    out = tmp_path / "out"
    assert run_import(fixture("q_a.txt"), "--bank", str(BANK), "-o", str(out)).returncode == 0
    notes = tmp_path / "more.md"
    notes.write_text("- What is a mutex? A lock held by one thread.\n- What is a futex? A fast user-space lock.\n")
    result = run_import(str(notes), "--bank", str(BANK), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert f'{notes}:1: duplicate skipped: "What is a mutex?" asks the same as "What is a mutex?" at {out / "q_a.yaml"}:3' in result.stdout
    assert f"wrote {out / 'more.yaml'}: 1 question (0 ready, 1 draft); 1 new" in result.stdout.splitlines()
    assert qotd("content", "validate", str(out)).returncode == 0


def test_keep_duplicates_imports_them_and_still_reports(tmp_path):
    out = tmp_path / "out"
    result = run_import(fixture("duplicates.md"), "--bank", str(BANK), "-o", str(out), "--keep-duplicates")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("duplicate kept (--keep-duplicates)") == 3
    assert "duplicates skipped: 0" in result.stdout.splitlines()
    bank, problems = read_bank(out)
    assert problems == []
    assert len(bank) == 5
    exact = question_id("What is the difference between SQL and NoSQL?")
    assert {exact, f"{exact}-2"} <= set(bank.questions)


def test_verbose_lists_each_skipped_line_with_its_reason(tmp_path):
    result = run_import(fixture("web_page.md"), "--bank", str(BANK), "-o", str(tmp_path / "out"), "--verbose")
    assert result.returncode == 0, result.stderr
    page = fixture("web_page.md")
    lines = result.stdout.splitlines()
    assert lines[0] == f"{page}: read as markdown (UTF-8)"
    assert f"{page}:2: skipped (navigation): [Home](/) > [Blog](/blog) > Backend interview questions" in lines
    assert f"{page}:6: skipped (cookie notice): Accept all cookies" in lines
    assert f"{page}:20: skipped (advert): Advertisement" in lines
    assert f"{page}:24: skipped (sign-up banner): Sign up free and get one new question in your inbox every week!" in lines
    assert f"{page}:52: skipped (page furniture): © 2024 Backend Weekly. All rights reserved." in lines
    assert f"{page}:43: no answer (imported as a draft): Explain optimistic locking." in lines
    assert len([line for line in lines if ": skipped (" in line]) == 19
    assert lines[-5:] == [
        "questions found: 4",
        "with answers: 3",
        "without answers: 1",
        "duplicates skipped: 0",
        "lines skipped: 19",
    ]


def test_windows_1252_and_bom_files_import_without_mojibake(tmp_path):
    (tmp_path / "win.txt").write_bytes(PHANTOM_READ.encode("cp1252"))
    (tmp_path / "bom.md").write_bytes("Q: What is a phantom row?\nA: A row that appears between two reads.\n".encode("utf-8-sig"))
    out = tmp_path / "out"
    result = run_import(str(tmp_path / "win.txt"), str(tmp_path / "bom.md"), "--bank", str(BANK), "-o", str(out), "-v")
    assert result.returncode == 0, result.stderr
    assert f"{tmp_path / 'win.txt'}: read as text (Windows-1252)" in result.stdout
    assert f"{tmp_path / 'bom.md'}: read as markdown (UTF-8 with BOM)" in result.stdout
    bank, problems = read_bank(out)
    assert problems == []
    assert sorted((q.question, q.answer) for q in bank.questions.values()) == [
        ("What is a phantom row?", "A row that appears between two reads."),
        ("What\u2019s a \u201cphantom read\u201d?", "Another transaction inserts rows \u2014 so a repeated query sees them."),
    ]
    assert "\u2019" in (out / "win.yaml").read_text(encoding="utf-8")


def test_topic_option_and_unknown_topic(tmp_path):
    out = tmp_path / "out"
    result = run_import(fixture("bullets.md"), "--bank", str(BANK), "-o", str(out), "--topic", "nodejs", "--tag", "Concurrency")
    assert result.returncode == 0, result.stderr
    bank, _ = read_bank(out)
    assert {(q.topic, q.tags) for q in bank.questions.values()} == {("nodejs", ("imported", "concurrency"))}
    bad = run_import(fixture("bullets.md"), "--bank", str(BANK), "-o", str(tmp_path / "other"), "--topic", "database")
    assert bad.returncode == 1
    assert "qotd: --topic: unknown topic 'database' (did you mean 'databases'?" in bad.stderr
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.md", "no such file"),
        (lambda d: d, "is a directory; name the files inside it"),
        (lambda d: _write(d / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "looks like a binary file"),
        (lambda d: _write(d / "empty.md", b" \n\n"), "is empty"),
        (lambda d: _write(d / "prose.md", b"Just a paragraph.\nNothing to ask here.\n"), "no questions found (read as markdown)"),
        (lambda d: _write(d / "broken.json", b'[{"question": "What is X?",]'), "is not valid JSON"),
    ],
)
def test_unreadable_or_empty_input_fails_and_writes_nothing(tmp_path, make, message):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    bad = make(inputs)
    out = tmp_path / "out"
    result = run_import(fixture("q_a.txt"), str(bad), "--bank", str(BANK), "-o", str(out))
    assert result.returncode == 1
    assert f"qotd: {bad}: {message}" in result.stderr
    assert result.stderr.splitlines()[-1] == "qotd: nothing was imported"
    assert result.stdout == ""
    assert not out.exists()


def test_a_failed_run_leaves_earlier_output_untouched(tmp_path):
    out = tmp_path / "out"
    assert run_import(fixture("q_a.txt"), "--bank", str(BANK), "-o", str(out)).returncode == 0
    before = snapshot(out)
    (tmp_path / "q_a.txt").write_text("Q: What is a futex?\nA: A fast user-space lock.\n")
    result = run_import(str(tmp_path / "q_a.txt"), str(tmp_path / "missing.md"), "--bank", str(BANK), "-o", str(out))
    assert result.returncode == 1
    assert snapshot(out) == before


def test_a_result_that_would_not_validate_is_not_written(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "vocabulary.yaml").write_text("tags:\n  - sql\n")
    result = run_import(fixture("q_a.txt"), "--bank", str(BANK), "-o", str(out))
    assert result.returncode == 1
    assert "qotd: the imported questions would not validate:" in result.stderr
    assert "tag 'imported' is not in the tag vocabulary" in result.stderr
    assert sorted(snapshot(out)) == ["vocabulary.yaml"]


def test_tags_outside_the_output_folders_vocabulary_are_dropped_with_a_note(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "vocabulary.yaml").write_text("tags:\n  - imported\n  - sql\n")
    result = run_import(fixture("cards.csv"), "--tag", "SQL", "--tag", "nope", "--bank", str(BANK), "-o", str(out))
    assert result.returncode == 0, result.stderr
    cards = fixture("cards.csv")
    assert result.stdout.splitlines()[:4] == [
        "--tag: tag 'nope' dropped (not in the tag vocabulary)",
        f"{cards}:2: tag 'indexes' dropped (not in the tag vocabulary)",
        f"{cards}:2: tag 'postgresql' dropped (not in the tag vocabulary)",
        f"{cards}:3: tag 'http' dropped (not in the tag vocabulary)",
    ]
    bank, problems = read_bank(out)
    assert problems == [] and {q.tags for q in bank.questions.values()} == {("imported", "sql")}


def test_output_inside_the_bank_follows_the_banks_vocabulary(tmp_path):
    bank = tmp_path / "content"
    bank.mkdir()
    (bank / "backend.yaml").write_bytes((BANK / "backend.yaml").read_bytes())
    (bank / "vocabulary.yaml").write_text("tags:\n  - imported\n  - indexes\n")
    out = bank / "imported"
    result = run_import(fixture("cards.csv"), "-o", str(out), QOTD_CONTENT_DIR=str(bank))
    assert result.returncode == 0, result.stderr
    assert f"{fixture('cards.csv')}:2: tag 'postgresql' dropped (not in the tag vocabulary)" in result.stdout
    validate = qotd("content", "validate", str(bank))
    assert validate.returncode == 0, validate.stdout


def test_missing_bank_option_is_an_error(tmp_path):
    result = run_import(fixture("q_a.txt"), "--bank", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"--bank {tmp_path / 'nowhere'}: no such file or directory" in result.stderr
    assert not (tmp_path / "out").exists()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
