"""The `/qotd` command vocabulary shared by every adapter, and the parser for its text form.

Text form: `/qotd <subcommand> [key=value ...] [positional ...]`. Discord and
Slack adapters can build the same typed commands from their own option
payloads with `build_command(name, positional, options)`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import time

from bot.errors import InvalidInput
from bot.schedule_rules import RevealRule, parse_days, parse_post_time, parse_reveal, parse_zone
from bot.topics import TOPICS, suggest_topic

PERIODS = ("week", "month", "all")
METRICS = ("points", "answers", "streak")
MODES = ("thread", "private")
ADMIN_COMMANDS = frozenset({"setup", "post", "reveal", "pause", "resume", "skip"})


@dataclass(frozen=True)
class Setup:
    time: time | None = None
    tz: str | None = None
    days: frozenset[int] | None = None
    reveal: RevealRule | None = None
    mode: str | None = None
    topics: frozenset[str] | None = None
    difficulty: tuple[int, int] | None = None


@dataclass(frozen=True)
class Simple:
    """post, reveal, pause, resume, skip, status: no arguments."""

    name: str


@dataclass(frozen=True)
class Leaderboard:
    period: str = "all"
    metric: str = "points"
    page: int = 1


@dataclass(frozen=True)
class Streak:
    member: str | None = None


GRADES = ("again", "hard", "good", "easy")


@dataclass(frozen=True)
class Quiz:
    topic: str | None = None
    tag: str | None = None
    difficulty: tuple[int, int] | None = None
    show_answer: bool = False
    grade: str | None = None
    # Which practice question a button refers to; None means the member's latest.
    attempt: int | None = None


@dataclass(frozen=True)
class Help:
    topic: str | None = None


Command = Setup | Simple | Leaderboard | Streak | Quiz | Help


@dataclass(frozen=True)
class CommandSpec:
    usage: str
    summary: str
    keys: tuple[str, ...] = ()
    admin: bool = False
    examples: tuple[str, ...] = field(default_factory=tuple)


SPECS: dict[str, CommandSpec] = {
    "setup": CommandSpec(
        "/qotd setup time=HH:MM tz=ZONE days=SPEC reveal=8h|17:00 [mode=thread|private] [topics=a,b] [difficulty=1-2]",
        "Schedule the daily question in this channel (or change it: give only what changes).",
        ("time", "tz", "days", "reveal", "mode", "topics", "difficulty"),
        admin=True,
        examples=("/qotd setup time=09:00 tz=Europe/Berlin days=mon-fri reveal=8h",),
    ),
    "post": CommandSpec("/qotd post", "Post a bonus question now.", admin=True),
    "reveal": CommandSpec("/qotd reveal", "Reveal the open question now.", admin=True),
    "pause": CommandSpec("/qotd pause", "Pause the schedule (streaks are safe while paused).", admin=True),
    "resume": CommandSpec("/qotd resume", "Resume a paused schedule.", admin=True),
    "skip": CommandSpec("/qotd skip", "Skip the next scheduled question.", admin=True),
    "status": CommandSpec("/qotd status", "Show the schedule, the next post and the open question."),
    "leaderboard": CommandSpec(
        "/qotd leaderboard [week|month|all] [points|answers|streak] [page]",
        "Show the leaderboard.",
        ("period", "metric", "page"),
        examples=("/qotd leaderboard week answers",),
    ),
    "streak": CommandSpec("/qotd streak [member]", "Show your streak, or a member's.", ("member",)),
    "quiz": CommandSpec(
        "/qotd quiz [topic|tag] [difficulty]  ·  /qotd quiz answer  ·  /qotd quiz grade again|hard|good|easy",
        "Get a practice question only you can see; `/qotd quiz answer` shows its answer, then grade yourself.",
        ("topic", "difficulty"),
        examples=("/qotd quiz databases 2", "/qotd quiz redis"),
    ),
    "help": CommandSpec("/qotd help [command]", "Show this help."),
}


def parse_command(text: str) -> Command:
    """Parse the text form of a /qotd command. Raises InvalidInput naming the bad part."""
    try:
        tokens = shlex.split(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"could not read the command ({exc}); check your quotes") from None
    if tokens and tokens[0].lower() in ("/qotd", "qotd"):
        tokens = tokens[1:]
    if not tokens:
        return Help()
    name, rest = tokens[0].lower(), tokens[1:]
    positional: list[str] = []
    options: dict[str, str] = {}
    for token in rest:
        key, sep, value = token.partition("=")
        if sep:
            key = key.strip().lower()
            if not key:
                raise InvalidInput(f"'{token}' has no option name before '='")
            if key in options:
                raise InvalidInput(f"option '{key}' is given twice")
            options[key] = value.strip()
        else:
            positional.append(token)
    return build_command(name, positional, options)


def build_command(name: str, positional: list[str], options: dict[str, str]) -> Command:
    if name not in SPECS:
        hint = [n for n in SPECS if n.startswith(name[:2])] if name else []
        raise InvalidInput(
            f"unknown command '{name}'"
            + (f" (did you mean {' or '.join(hint)}?)" if hint else "")
            + ". Try /qotd help"
        )
    spec = SPECS[name]
    unknown = [k for k in options if k not in spec.keys]
    if unknown:
        takes = f"it takes {', '.join(spec.keys)}" if spec.keys else "it takes no options"
        raise InvalidInput(f"/qotd {name} does not take '{unknown[0]}=' ({takes})")
    if name == "setup":
        if positional:
            raise InvalidInput(f"/qotd setup takes key=value options, not '{positional[0]}'. Usage: {spec.usage}")
        return _setup(options)
    if name == "leaderboard":
        return _leaderboard(positional, options)
    if name == "streak":
        if options.get("member") and positional:
            raise InvalidInput(f"/qotd streak takes one member; '{positional[0]}' is extra")
        member = options.get("member") or (" ".join(positional) if positional else None)
        return Streak(member=member.lstrip("@") if member else None)
    if name == "quiz":
        return _quiz(positional, options)
    if name == "help":
        topic = positional[0].lower() if positional else None
        if topic and topic not in SPECS:
            raise InvalidInput(f"there is no command '{topic}' to explain. Try /qotd help")
        return Help(topic)
    if positional:
        raise InvalidInput(f"/qotd {name} takes no arguments (got '{positional[0]}')")
    return Simple(name)


def _setup(options: dict[str, str]) -> Setup:
    mode = options.get("mode")
    if mode is not None and mode.lower() not in MODES:
        raise InvalidInput(f"mode '{mode}' is not one of thread, private")
    tz = options.get("tz")
    if tz is not None:
        tz = parse_zone(tz).key
    return Setup(
        time=parse_post_time(options["time"]) if "time" in options else None,
        tz=tz,
        days=parse_days(options["days"]) if "days" in options else None,
        reveal=parse_reveal(options["reveal"]) if "reveal" in options else None,
        mode=mode.lower() if mode else None,
        topics=parse_topics(options["topics"]) if "topics" in options else None,
        difficulty=parse_difficulty(options["difficulty"]) if "difficulty" in options else None,
    )


def parse_topics(text: str) -> frozenset[str]:
    """'databases,caching' -> {'databases', 'caching'}; 'all' or '' clears the filter."""
    cleaned = text.strip().lower()
    if cleaned in ("", "all", "any"):
        return frozenset()
    chosen = set()
    for part in cleaned.split(","):
        topic = part.strip()
        if topic not in TOPICS:
            close = suggest_topic(topic) if topic else []
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InvalidInput(f"unknown topic '{part.strip()}'{hint}. Topics: {', '.join(TOPICS)}")
        chosen.add(topic)
    return frozenset(chosen)


def parse_difficulty(text: str) -> tuple[int, int]:
    """'2' -> (2, 2); '1-2' -> (1, 2); 'all' -> (1, 3)."""
    cleaned = text.strip().lower()
    if cleaned in ("all", "any"):
        return (1, 3)
    low_text, sep, high_text = cleaned.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if sep else low
    except ValueError:
        raise InvalidInput(f"difficulty '{text}' must be 1, 2, 3 or a range like 1-2") from None
    if not (1 <= low <= 3 and 1 <= high <= 3) or low > high:
        raise InvalidInput(f"difficulty '{text}' must be 1, 2, 3 or a range like 1-2")
    return (low, high)


def _leaderboard(positional: list[str], options: dict[str, str]) -> Leaderboard:
    period = options.get("period", "").lower() or None
    metric = options.get("metric", "").lower() or None
    page_text = options.get("page")
    for word in positional:
        lowered = word.lower()
        if lowered in PERIODS and period is None:
            period = lowered
        elif lowered in METRICS and metric is None:
            metric = lowered
        elif lowered.isdigit() and page_text is None:
            page_text = lowered
        else:
            raise InvalidInput(
                f"'{word}' is not a leaderboard period ({', '.join(PERIODS)}) or metric ({', '.join(METRICS)})"
            )
    if period is not None and period not in PERIODS:
        raise InvalidInput(f"period '{period}' is not one of {', '.join(PERIODS)}")
    if metric is not None and metric not in METRICS:
        raise InvalidInput(f"metric '{metric}' is not one of {', '.join(METRICS)}")
    if page_text is not None and (not page_text.isdigit() or int(page_text) < 1):
        raise InvalidInput(f"page '{page_text}' must be a whole number from 1")
    return Leaderboard(period=period or "all", metric=metric or "points", page=int(page_text) if page_text else 1)


def _quiz(positional: list[str], options: dict[str, str]) -> Quiz:
    words = [p.lower() for p in positional]
    if words == ["answer"] and not options:
        return Quiz(show_answer=True)
    if words[:1] == ["grade"] and not options:
        if len(words) != 2 or words[1] not in GRADES:
            raise InvalidInput(f"grade yourself with one of {', '.join(GRADES)}, e.g. /qotd quiz grade good")
        return Quiz(grade=words[1])
    topic = options.get("topic")
    difficulty = options.get("difficulty")
    for word in positional:
        if word[:1].isdigit() and difficulty is None:
            difficulty = word
        elif topic is None:
            topic = word
        else:
            raise InvalidInput(f"/qotd quiz takes a topic and a difficulty; '{word}' is extra")
    if topic and "," in topic:
        raise InvalidInput("/qotd quiz takes one topic or tag")
    wanted = topic.strip().lower() if topic else None
    # Anything that is not a topic is taken as a tag; the quiz checks the bank has it.
    return Quiz(
        topic=wanted if wanted in TOPICS else None,
        tag=wanted if wanted and wanted not in TOPICS else None,
        difficulty=parse_difficulty(difficulty) if difficulty else None,
    )


def is_admin_only(command: Command) -> bool:
    return isinstance(command, Setup) or (isinstance(command, Simple) and command.name in ADMIN_COMMANDS)


def command_name(command: Command) -> str:
    if isinstance(command, Simple):
        return command.name
    return type(command).__name__.lower()
