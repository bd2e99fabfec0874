"""The `qotd` command line: run, console, db, content, schedule."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import date
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.log_setup import configure_logging

log = logging.getLogger("qotd")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qotd", description="qotd — a question of the day for engineering teams.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help="run the bot: Discord/Slack when configured, otherwise the console")

    console = sub.add_parser("console", help="play in the terminal: one channel, one local workspace")
    console.add_argument("--db", help="database URL (default: DATABASE_URL or the local SQLite file)")
    console.add_argument("--clock", help="freeze a simulated clock at this ISO-8601 time (only /advance moves it); default: real time")
    console.add_argument("--seed", type=int, help="seed the question order (for repeatable scripts)")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    for name, text in (("upgrade", "apply pending migrations"), ("current", "show the schema revision")):
        action = db_sub.add_parser(name, help=text)
        action.add_argument("--db", help="database URL (default: DATABASE_URL or the local SQLite file)")

    content = sub.add_parser("content", help="the question bank")
    content_sub = content.add_subparsers(dest="content_command", metavar="ACTION")
    validate = content_sub.add_parser("validate", help="check bank files and print counts per topic and difficulty")
    validate.add_argument("path", nargs="?", help="a file or directory (default: the configured content directory)")
    stats = content_sub.add_parser("stats", help="coverage by topic, difficulty and kind, and the gaps to fill")
    stats.add_argument("path", nargs="?", help="a file or directory (default: the configured content directory)")
    importer = content_sub.add_parser(
        "import", help="turn notes (Markdown, text, CSV/TSV, Anki/Quizlet, JSON, YAML) into bank files"
    )
    importer.add_argument("files", nargs="+", metavar="FILE", help="files of questions and answers")
    importer.add_argument(
        "--format",
        choices=("auto", "markdown", "text", "csv", "tsv", "json", "yaml"),
        default="auto",
        help="how to read the files (default auto: by extension, then by content)",
    )
    importer.add_argument("--topic", help="topic for questions whose source names none (default: guessed)")
    importer.add_argument("--tag", action="append", default=[], help="extra tag for every question (repeatable)")
    importer.add_argument("-o", "--out", default="imported", help="output directory, one OUT/<file>.yaml per input (default: ./imported)")
    importer.add_argument("--bank", help="bank to check for duplicates (default: the configured content directory)")
    importer.add_argument("--keep-duplicates", action="store_true", help="import duplicates too (they are still reported)")
    importer.add_argument("-v", "--verbose", action="store_true", help="list every skipped line and why")

    schedule = sub.add_parser("schedule", help="schedule tools")
    schedule_sub = schedule.add_subparsers(dest="schedule_command", metavar="ACTION")
    preview = schedule_sub.add_parser("preview", help="print the next post instants of a schedule, in UTC")
    preview.add_argument("--time", required=True, help="local post time, HH:MM")
    preview.add_argument("--tz", required=True, help="IANA time zone, e.g. Europe/Berlin")
    preview.add_argument("--days", default="daily", help="daily, mon-fri, mon,wed,fri ... (default daily)")
    preview.add_argument("--from", dest="start", help="local start date YYYY-MM-DD (default today)")
    preview.add_argument("--count", type=int, default=7, help="how many instants (default 7)")

    audit = sub.add_parser("audit", help="check the database's invariants; exit 1 on any breach")
    audit.add_argument("--db", help="database URL (default: DATABASE_URL or the local SQLite file)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"qotd: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, sys.stderr)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "content":
        if args.content_command == "import":
            return content_import(args, settings)
        if args.content_command == "stats":
            return content_stats(Path(args.path) if args.path else settings.content_dir)
        if args.content_command != "validate":
            parser.parse_args(["content", "--help"])
        return content_validate(Path(args.path) if args.path else settings.content_dir)
    if args.command == "schedule":
        if args.schedule_command != "preview":
            parser.parse_args(["schedule", "--help"])
        return schedule_preview(args)
    if args.command == "db":
        if args.db_command is None:
            parser.parse_args(["db", "--help"])
        return asyncio.run(db_command(args.db_command, _with_db(settings, args.db)))
    if args.command == "audit":
        return asyncio.run(audit_command(_with_db(settings, args.db)))
    if args.command == "console":
        return run_console_command(_with_db(settings, args.db), args.clock, args.seed)
    if args.command == "run":
        return run_bot(settings)
    parser.print_help()
    return 2


def run_bot(settings: Settings) -> int:
    """`qotd run`: the configured chat platforms (all in one process), or the console when none is."""
    if settings.platforms:
        from adapters.serve_platforms import serve

        try:
            return asyncio.run(serve(settings))
        except KeyboardInterrupt:
            return 130
    return run_console_command(settings, None, None)


def _with_db(settings: Settings, url: str | None) -> Settings:
    if not url:
        return settings
    from dataclasses import replace

    env = {"DATABASE_URL": url}
    try:
        return replace(settings, database_url=Settings.from_env(env).database_url)
    except ConfigError as exc:
        raise SystemExit(f"qotd: {exc}") from None


def content_validate(path: Path) -> int:
    from bot.content_stats import difficulty_table
    from bot.question_bank import validate_bank

    bank, problems = validate_bank(path)
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) found in {path}", file=sys.stderr)
        return 1
    for line in difficulty_table(bank):
        print(line)
    print(f"OK: {len(bank)} question{'s' if len(bank) != 1 else ''} in {path}")
    return 0


def content_stats(path: Path) -> int:
    from bot.content_stats import stats_report
    from bot.question_bank import read_bank

    bank, problems = read_bank(path)
    print(stats_report(bank))
    if problems:
        print(f"\n{len(problems)} problem(s) in {path}; run qotd content validate to list them", file=sys.stderr)
        return 1
    return 0


def content_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.content_import import ImportFailed, ImportOptions, run_import, summary_lines

    bank = Path(args.bank) if args.bank else settings.content_dir
    if args.bank and not bank.exists():
        print(f"qotd: --bank {bank}: no such file or directory", file=sys.stderr)
        return 1
    options = ImportOptions(
        files=tuple(Path(name) for name in args.files),
        out=Path(args.out),
        bank=bank,
        fmt=args.format,
        topic=args.topic,
        tags=tuple(args.tag),
        keep_duplicates=args.keep_duplicates,
    )
    try:
        result = run_import(options)
    except ImportFailed as exc:
        for message in exc.messages:
            print(f"qotd: {message}", file=sys.stderr)
        print("qotd: nothing was imported", file=sys.stderr)
        return 1
    for line in summary_lines(result, verbose=args.verbose):
        print(line)
    return 0


def schedule_preview(args: argparse.Namespace) -> int:
    from bot.errors import InvalidInput
    from bot.schedule_rules import PostingRule, parse_days, parse_post_time, parse_zone

    try:
        rule = PostingRule(at=parse_post_time(args.time), zone=parse_zone(args.tz), days=parse_days(args.days))
        start = date.fromisoformat(args.start) if args.start else date.today()
    except InvalidInput as exc:
        print(f"qotd: {exc.message}", file=sys.stderr)
        return 2
    except ValueError:
        print(f"qotd: --from '{args.start}' is not a date like 2026-03-29", file=sys.stderr)
        return 2
    if not 1 <= args.count <= 1000:
        print("qotd: --count must be between 1 and 1000", file=sys.stderr)
        return 2
    for instant in rule.occurrences_from(start, args.count):
        print(instant.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return 0


async def db_command(action: str, settings: Settings) -> int:
    from bot.db.engine import create_engine, current_revision, describe_url, upgrade

    engine = create_engine(settings.database_url)
    try:
        if action == "upgrade":
            await upgrade(engine)
        print(f"{describe_url(settings.database_url)}: schema at revision {await current_revision(engine)}")
    except Exception as exc:
        print(f"qotd: could not reach {describe_url(settings.database_url)}: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    return 0


async def audit_command(settings: Settings) -> int:
    from datetime import datetime, timezone

    from bot.consistency_audit import audit
    from bot.db.engine import create_engine, describe_url

    engine = create_engine(settings.database_url, command_timeout=None)  # a whole-database check may take a while
    try:
        report = await audit(engine, datetime.now(timezone.utc), allowance=settings.claim_timeout)
    except Exception as exc:
        print(f"qotd: could not audit {describe_url(settings.database_url)}: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    for breach in report.breaches:
        print(breach)
    summary = f"{report.posts} posts, {report.answers} answers, {report.members} member records checked"
    if report.clean:
        print(f"OK: {summary}; no breach")
        return 0
    print(f"{len(report.breaches)} breach(es) found; {summary}", file=sys.stderr)
    return 1


def run_console_command(settings: Settings, clock_text: str | None, seed: int | None) -> int:
    import random

    from adapters.console.session import parse_clock, run_console
    from bot.bootstrap import bootstrap
    from bot.question_bank import BankError

    try:
        clock = parse_clock(clock_text)
    except ValueError as exc:
        print(f"qotd: --clock: {exc}", file=sys.stderr)
        return 2
    # The console is for people: keep routine INFO lines out of the conversation.
    logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))

    async def go() -> int:
        try:
            app = await bootstrap(settings, clock=clock, rng=random.Random(seed) if seed is not None else None)
        except BankError as exc:
            print(f"qotd: the question bank has problems:\n{exc}", file=sys.stderr)
            return 1
        try:
            await run_console(app, clock)
        finally:
            await app.close()
        return 0

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # whoever read our output went away (e.g. `| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
