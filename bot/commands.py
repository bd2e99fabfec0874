"""The `/qotd` command vocabulary shared by every adapter, and the parser for its text form.

Text form: `/qotd <subcommand> [key=value ...] [positional ...]`. Discord and
Slack adapters can build the same typed commands from their own option
payloads with `build_command(name, positional, options)`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time

from bot.errors import InvalidInput
from bot.schedule_rules import RevealRule, parse_days, parse_post_time, parse_reveal, parse_zone
from bot.topics import TOPICS, suggest_topic
from bot.suggestion_rules import (
    FIELDS as SUGGESTION_FIELDS,
    SuggestionDraft,
    check_fields,
    check_reason,
    check_suggestion,
    check_suggestion_id,
    parse_topic_list,
)

PERIODS = ("week", "month", "season", "all")
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
    # Announce last month's top member(s) in the channel on the 1st (None: unchanged).
    champion: bool | None = None


@dataclass(frozen=True)
class Simple:
    """post, reveal, pause, resume, skip, status: no arguments."""

    name: str


@dataclass(frozen=True)
class Leaderboard:
    period: str = "all"
    metric: str = "points"
    page: int = 1
    # period "season": a season by name (`season=NAME`), by id (page buttons), else the running one.
    season: str | None = None
    season_id: int | None = None


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
    # `/qotd quiz stats`: the member's review schedule and retention instead of a question.
    stats: bool = False


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Admin:
    """`/qotd admin ACTION [key=value ...]`: admin tools; each action's options are checked by ADMIN_ACTIONS."""

    action: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """Self-check against a question's key points: `points=None` shows them, a tuple ticks them (1-based)."""

    points: tuple[int, ...] | None = None
    question: int | None = None  # the post's #number in this channel; None: the most recently revealed
    post_id: int | None = None  # buttons name the post by id
    quiz: bool = False  # the member's practice question instead of the channel's
    attempt: int | None = None  # which practice question a button refers to; None: the latest


@dataclass(frozen=True)
class Report:
    """`/qotd report` (a member's weak spots) or `/qotd report team` (admins: the channel's team report)."""

    team: bool = False


@dataclass(frozen=True)
class Export:
    """`/qotd export` (everything about the member) or `/qotd export workspace` (admins: the whole workspace)."""

    workspace: bool = False


@dataclass(frozen=True)
class ForgetMe:
    """`/qotd forget-me` explains and gives a code; `/qotd forget-me confirm=CODE` deletes."""

    confirm: str | None = None


@dataclass(frozen=True)
class Suggest:
    """`/qotd suggest ...`: a member's question for the workspace's moderation queue.

    `draft` is None for a bare `/qotd suggest` (Discord and Slack open a form for it instead).
    """

    draft: SuggestionDraft | None = None


Command = Setup | Simple | Leaderboard | Streak | Quiz | Help | Admin | Check | Report | Export | ForgetMe | Suggest


@dataclass(frozen=True)
class CommandSpec:
    usage: str
    summary: str
    keys: tuple[str, ...] = ()
    admin: bool = False
    examples: tuple[str, ...] = field(default_factory=tuple)


SPECS: dict[str, CommandSpec] = {
    "setup": CommandSpec(
        "/qotd setup time=HH:MM tz=ZONE days=SPEC reveal=8h|17:00 [mode=thread|private] [topics=a,b] [difficulty=1-2]"
        " [champion=on|off]",
        "Schedule the daily question in this channel (or change it: give only what changes).",
        ("time", "tz", "days", "reveal", "mode", "topics", "difficulty", "champion"),
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
        "/qotd leaderboard [week|month|season|all] [points|answers|streak] [page] [season=NAME]",
        "Show the leaderboard: this week, this month, this season or all time.",
        ("period", "metric", "page", "season"),
        examples=("/qotd leaderboard week answers", "/qotd leaderboard season", '/qotd leaderboard season="Winter 2026"'),
    ),
    "streak": CommandSpec("/qotd streak [member]", "Show your streak and streak freezes, or a member's.", ("member",)),
    "quiz": CommandSpec(
        "/qotd quiz [topic|tag] [difficulty]  ·  /qotd quiz answer  ·  /qotd quiz grade again|hard|good|easy"
        "  ·  /qotd quiz stats",
        "Get a practice question only you can see; `/qotd quiz answer` shows its answer, then grade yourself."
        " Your grades schedule reviews: missed questions come back sooner, known ones later;"
        " `/qotd quiz stats` shows what is due.",
        ("topic", "difficulty"),
        examples=("/qotd quiz databases 2", "/qotd quiz redis"),
    ),
    "help": CommandSpec("/qotd help [command]", "Show this help."),
}


# ---- /qotd admin ACTION ---------------------------------------------------------------------------------
# One row per admin action. To add one: a row here (keys, which are required, which positional words
# map to which keys, and an optional check that returns the cleaned options), then a `case Admin(action=...)`
# in bot/command_handlers.py. Options always stay strings; the check raises InvalidInput naming the bad part.


@dataclass(frozen=True)
class AdminAction:
    usage: str
    summary: str
    keys: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    # Positional words fill these keys in order, e.g. `/qotd admin audit alice` means member=alice.
    positional: tuple[str, ...] = ()
    check: Callable[[dict[str, str]], dict[str, str]] | None = None
    details: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


MENTION_LABEL = re.compile(r"<@!?([A-Za-z0-9]+)\|[^>]*>")


def member_reference(text: str) -> str:
    """A member as typed or as a platform mention: '<@U123|ann>', '<@U123>', '<@!123>', '@ann', 'ann' -> id or name."""
    cleaned = text.strip()
    mention = re.fullmatch(r"<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>", cleaned)
    if mention:
        return mention.group(1)
    return cleaned.lstrip("@").strip()


STREAK_VALUE_MAX = 10000
AUDIT_REASON_MAX = 300


def _check_admin_streak(options: dict[str, str]) -> dict[str, str]:
    member = member_reference(options["member"])
    if not member:
        raise InvalidInput("member= is empty; name the member whose streak to set, e.g. member=@alice")
    value_text = options["value"].strip()
    if not value_text.isdigit() or int(value_text) > STREAK_VALUE_MAX:
        raise InvalidInput(f"value '{options['value']}' must be a whole number from 0 to {STREAK_VALUE_MAX}")
    reason = " ".join(options["reason"].split())
    if not reason:
        raise InvalidInput('reason= is empty; say why the streak changes, e.g. reason="bot was down on Monday"')
    if len(reason) > AUDIT_REASON_MAX:
        raise InvalidInput(f"the reason is {len(reason)} characters; keep it to {AUDIT_REASON_MAX}")
    return {"member": member, "value": str(int(value_text)), "reason": reason}


def _check_admin_audit(options: dict[str, str]) -> dict[str, str]:
    if "member" not in options:
        return {}
    member = member_reference(options["member"])
    if not member:
        raise InvalidInput("member= is empty; leave it out to see every entry")
    return {"member": member}


SEASON_NAME_MAX = 60
SEASON_ACTIONS = ("start", "end", "list")


def season_name(text: str) -> str:
    """A season name as stored and shown (spaces collapsed); raises InvalidInput naming the problem."""
    name = " ".join(text.split())
    if not name:
        raise InvalidInput('the season needs a name, e.g. name="Winter 2026"')
    if len(name) > SEASON_NAME_MAX:
        raise InvalidInput(f"the season name is {len(name)} characters; keep it to {SEASON_NAME_MAX}")
    if not name.isprintable():
        raise InvalidInput("the season name has characters that cannot be shown; use letters, digits and punctuation")
    if '"' in name:
        raise InvalidInput("the season name cannot contain double quotes; members type it as season=\"NAME\"")
    return name


def _check_admin_season(options: dict[str, str]) -> dict[str, str]:
    step = options["action"].strip().lower()
    if step not in SEASON_ACTIONS:
        raise InvalidInput(
            f"'{options['action']}' is not a season action; use start, end or list, "
            'e.g. /qotd admin season start name="Winter 2026"'
        )
    if step == "start":
        if not options.get("name", "").strip():
            raise InvalidInput('starting a season needs its name, e.g. /qotd admin season start name="Winter 2026"')
        return {"action": step, "name": season_name(options["name"])}
    if options.get("name", "").strip():
        raise InvalidInput(f"/qotd admin season {step} takes no name (only start does)")
    return {"action": step}


ADMIN_ACTIONS: dict[str, AdminAction] = {
    "streak": AdminAction(
        '/qotd admin streak member=@name value=N reason="why"',
        "Set or restore a member's current streak (kept in the audit log).",
        keys=("member", "value", "reason"),
        required=("member", "value", "reason"),
        positional=("member", "value", "reason"),
        check=_check_admin_streak,
        details=(
            "  member=@name      the member (a mention, id or display name) who has answered in this channel",
            f"  value=N           the new current streak, 0 to {STREAK_VALUE_MAX}; the longest streak rises to it if lower",
            f"  reason=\"...\"      why, up to {AUDIT_REASON_MAX} characters; shown in /qotd admin audit",
        ),
        examples=('/qotd admin streak member=@alice value=12 reason="bot was down on Monday"',),
    ),
    "audit": AdminAction(
        "/qotd admin audit [member=@name]",
        "Show the latest 20 admin changes in this channel, newest first.",
        keys=("member",),
        positional=("member",),
        check=_check_admin_audit,
        examples=("/qotd admin audit member=@alice",),
    ),
    "season": AdminAction(
        '/qotd admin season start name="Winter 2026"  ·  /qotd admin season end  ·  /qotd admin season list',
        "Start or end the workspace's leaderboard season (one at a time), or list the seasons so far.",
        keys=("action", "name"),
        required=("action",),
        positional=("action", "name"),
        check=_check_admin_season,
        details=(
            "  start name=\"...\"  start a season; points from now on count towards it (names are unique)",
            "  end               end the running season and show this channel's final top three",
            "  list              the seasons so far, newest first",
            '  Everyone sees a season\'s standings with /qotd leaderboard season or season="NAME".',
        ),
        examples=('/qotd admin season start name="Winter 2026"', "/qotd admin season end"),
    ),
}

# ---- suggestions and workspace topics: /qotd suggest, /qotd admin suggestions|approve|reject|edit|topics ----


def _check_suggestion_ref(options: dict[str, str]) -> dict[str, str]:
    return {**options, "id": str(check_suggestion_id(options["id"]))}


def _check_reject(options: dict[str, str]) -> dict[str, str]:
    return {"id": str(check_suggestion_id(options["id"])), "reason": check_reason(options.get("reason", ""))}


def _check_edit(options: dict[str, str]) -> dict[str, str]:
    changes = {k: v for k, v in options.items() if k != "id"}
    if not changes:
        raise InvalidInput(
            "say what to change: question=, answer=, points=, topic= or difficulty=. "
            'Example: /qotd admin edit id=3 topic=caching'
        )
    cleaned = check_fields(changes, require_all=False)
    out = {"id": str(check_suggestion_id(options["id"]))}
    for key, value in cleaned.items():
        out[key] = "\n".join(value) if isinstance(value, tuple) else str(value)
    return out


def _check_topics(options: dict[str, str]) -> dict[str, str]:
    disable = parse_topic_list(options["disable"], "disable") if "disable" in options else frozenset()
    enable = parse_topic_list(options["enable"], "enable") if "enable" in options else frozenset()
    both = sorted(disable & enable)
    if both:
        raise InvalidInput(f"'{both[0]}' is both in disable= and enable=; pick one")
    out = {}
    if disable:
        out["disable"] = ",".join(sorted(disable))
    if enable:
        out["enable"] = ",".join(sorted(enable))
    return out


SUGGESTION_EDIT_DETAILS = (
    '  question="..."    the question, 15 to 1,000 characters',
    '  answer="..."      a short reference answer, 10 to 300 words',
    '  points="a; b; c"  1 to 8 key points separated by ";" (each up to 120 characters)',
    "  topic=caching     one of the twelve topics",
    "  difficulty=2      1 warm-up, 2 solid, 3 senior",
)

ADMIN_ACTIONS.update(
    {
        "suggestions": AdminAction(
            "/qotd admin suggestions",
            "List the questions members suggested that wait for review, with their ids (and look-alikes already asked).",
            details=("  On Discord and Slack each comes with Approve, Edit and Reject buttons.",),
        ),
        "approve": AdminAction(
            "/qotd admin approve id=N",
            "Approve suggestion N: it joins this workspace's rotation, credited to whoever suggested it.",
            keys=("id",),
            required=("id",),
            positional=("id",),
            check=_check_suggestion_ref,
            examples=("/qotd admin approve id=3",),
        ),
        "reject": AdminAction(
            '/qotd admin reject id=N reason="..."',
            "Turn down suggestion N; the reason is required and the member is told.",
            keys=("id", "reason"),
            required=("id", "reason"),
            positional=("id", "reason"),
            check=_check_reject,
            examples=('/qotd admin reject id=4 reason="the bank already asks this one"',),
        ),
        "edit": AdminAction(
            '/qotd admin edit id=N [question="..."] [answer="..."] [points="a; b"] [topic=T] [difficulty=1-3]',
            "Change a waiting suggestion before approving it (give only what changes).",
            keys=("id", *SUGGESTION_FIELDS),
            required=("id",),
            positional=("id",),
            check=_check_edit,
            details=SUGGESTION_EDIT_DETAILS,
            examples=('/qotd admin edit id=3 difficulty=3 points="cache stampede; jittered expiry"',),
        ),
        "topics": AdminAction(
            "/qotd admin topics [disable=a,b] [enable=a,b]",
            "List the topics, or turn built-in topics off or on for this whole workspace.",
            keys=("disable", "enable"),
            check=_check_topics,
            details=(
                "  disable=a,b       built-in questions of these topics are no longer posted or quizzed here",
                "  enable=a,b        turn them back on; enable=all turns every topic on",
                "  Approved suggestions stay in the rotation whatever their topic.",
            ),
            examples=("/qotd admin topics disable=nodejs,python-runtimes", "/qotd admin topics enable=all"),
        ),
    }
)

SPECS["admin"] = CommandSpec(
    "/qotd admin ACTION [key=value ...]",
    "Admin tools: " + ", ".join(ADMIN_ACTIONS) + ". See /qotd help admin.",
    admin=True,
)


# ---- reports and members' own data ---------------------------------------------------------------------

FORGET_CODE_LENGTH = 6
FORGET_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to mix up
MEMBER_DATA_COMMANDS = ("report", "export", "forget-me")
SPECS["report"] = CommandSpec(
    "/qotd report [team]",
    "Your weak spots by topic and a quiz to try; `team` (admins): the channel's report with a chart.",
    ("scope",),
    examples=("/qotd report", "/qotd report team"),
)
SPECS["export"] = CommandSpec(
    "/qotd export [workspace]",
    "All your data here as JSON and CSV files, only for you; `workspace` (admins): everyone's.",
    ("scope",),
    examples=("/qotd export", "/qotd export workspace"),
)
SPECS["forget-me"] = CommandSpec(
    "/qotd forget-me [confirm=CODE]",
    "Delete everything qotd keeps about you in this workspace (asks you to confirm first).",
    ("confirm",),
    examples=("/qotd forget-me", "/qotd forget-me confirm=K7PX2M"),
)
MEMBER_DATA_DETAILS: dict[str, list[str]] = {
    "report": [
        "  (nothing)         your own report, only for you: questions answered and practised by topic, the share of",
        "                    key points you covered, your three weakest topics and a practice quiz to try next",
        "  team              admins: this channel over the last 8 weeks — participation by week, the on-time answer",
        "                    rate of each recent question and the hardest questions — posted with a PNG chart",
    ],
    "export": [
        "  (nothing)         everything qotd keeps about you in this workspace (answers and their edits, practice",
        "                    questions and grades, key-point checks, streaks, points, reviews...) as a JSON and a CSV",
        "                    file, sent only to you",
        "  workspace         admins: every member's data in this workspace, as JSON and CSV, sent only to you",
    ],
    "forget-me": [
        "Step 1: /qotd forget-me lists what will be deleted and gives you a confirmation code (or a button).",
        "Step 2: /qotd forget-me confirm=CODE deletes it, in this workspace only; you leave the leaderboards.",
        "Codes are personal and last until the end of the next day (UTC). Take a copy first with /qotd export.",
        "Messages already posted on Discord or Slack stay there; delete them there if you wish.",
    ],
}


def _member_data(name: str, positional: list[str], options: dict[str, str]) -> Report | Export | ForgetMe:
    spec = SPECS[name]
    unknown = [k for k in options if k not in spec.keys]
    if unknown:
        raise InvalidInput(f"/qotd {name} does not take '{unknown[0]}=' (it takes {', '.join(spec.keys)}). Usage: {spec.usage}")
    if name == "forget-me":
        if len(positional) > 1 or (positional and "confirm" in options):
            raise InvalidInput(f"/qotd forget-me takes one confirmation code. Usage: {spec.usage}")
        code = options.get("confirm", positional[0] if positional else None)
        if code is None:
            return ForgetMe()
        cleaned = code.strip().upper()
        if len(cleaned) != FORGET_CODE_LENGTH or any(c not in FORGET_CODE_ALPHABET for c in cleaned):
            raise InvalidInput(
                f"'{code}' is not a confirmation code: codes are {FORGET_CODE_LENGTH} letters and digits. "
                "Run /qotd forget-me to get yours"
            )
        return ForgetMe(confirm=cleaned)
    wide = "team" if name == "report" else "workspace"
    words = [w.lower() for w in positional]
    if "scope" in options:
        words.append(options["scope"].strip().lower())
    if len(words) > 1:
        raise InvalidInput(f"/qotd {name} takes at most one word, '{wide}' (admins). Usage: {spec.usage}")
    scope = words[0] if words else "me"
    if scope not in ("me", "mine", wide):
        raise InvalidInput(f"/qotd {name} takes '{wide}' (admins) or nothing for your own; '{scope}' is neither")
    return Report(team=scope == wide) if name == "report" else Export(workspace=scope == wide)


def parse_command(text: str) -> Command:
    """Parse the text form of a /qotd command. Raises InvalidInput naming the bad part."""
    # Slack escapes a mention as <@U123|display name>; the label may hold spaces, and the id is what counts.
    text = MENTION_LABEL.sub(r"<@\1>", text)
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
    if name == "admin":
        return _admin(positional, options)
    if name in MEMBER_DATA_COMMANDS:
        return _member_data(name, positional, options)
    if name == "quiz" and positional and positional[0].lower() == "check":
        return _check(positional[1:], options, quiz=True)
    if name == "check":
        return _check(positional, options)
    if name == "suggest":
        return _suggest(positional, options)
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
        return Streak(member=member_reference(member) if member else None)
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
        champion=parse_switch(options["champion"], "champion") if "champion" in options else None,
    )


def parse_switch(text: str, name: str) -> bool:
    """'on'/'off' (also yes/no, true/false) -> True/False; anything else names the option."""
    cleaned = text.strip().lower()
    if cleaned in ("on", "yes", "true"):
        return True
    if cleaned in ("off", "no", "false"):
        return False
    raise InvalidInput(f"{name} '{text}' must be on or off")


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
    season = " ".join(options.get("season", "").split()) or None
    if "season" in options and season is None:
        raise InvalidInput('season= is empty; name a season, e.g. season="Winter 2026", or just say season for the current one')
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
    if season is not None:
        if period not in (None, "season"):
            raise InvalidInput(f"season='{season}' goes with the season period, not '{period}'")
        period = "season"
    return Leaderboard(
        period=period or "all", metric=metric or "points", page=int(page_text) if page_text else 1, season=season
    )


def _quiz(positional: list[str], options: dict[str, str]) -> Quiz:
    words = [p.lower() for p in positional]
    if words == ["answer"] and not options:
        return Quiz(show_answer=True)
    if words[:1] == ["stats"]:
        if len(words) > 1 or options:
            extra = positional[1] if len(words) > 1 else f"{next(iter(options))}="
            raise InvalidInput(f"/qotd quiz stats takes nothing more; '{extra}' is extra")
        return Quiz(stats=True)
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


def _admin(positional: list[str], options: dict[str, str]) -> Admin:
    actions = ", ".join(ADMIN_ACTIONS)
    if not positional:
        raise InvalidInput(f"/qotd admin needs an action: {actions}. Try /qotd help admin")
    action_name, words = positional[0].lower(), positional[1:]
    action = ADMIN_ACTIONS.get(action_name)
    if action is None:
        raise InvalidInput(f"unknown admin action '{positional[0]}'; the actions are {actions}. Try /qotd help admin")
    unknown = [k for k in options if k not in action.keys]
    if unknown:
        takes = f"it takes {', '.join(k + '=' for k in action.keys)}" if action.keys else "it takes no options"
        raise InvalidInput(f"/qotd admin {action_name} does not take '{unknown[0]}=' ({takes}). Usage: {action.usage}")
    filled = dict(options)
    free = [k for k in action.positional if k not in filled]
    if len(words) > len(free):
        raise InvalidInput(f"/qotd admin {action_name}: '{words[len(free)]}' is extra. Usage: {action.usage}")
    filled.update(zip(free, words))
    missing = [k for k in action.required if not filled.get(k, "").strip()]
    if missing:
        raise InvalidInput(f"/qotd admin {action_name} needs {missing[0]}=. Usage: {action.usage}")
    return Admin(action_name, action.check(filled) if action.check else filled)


# ---- /qotd check and /qotd quiz check (self-check against key points) ----------------------------------
from bot.scoring import KEY_POINT_BONUS  # noqa: E402  (kept with the command that uses it)


SPECS["check"] = CommandSpec(
    "/qotd check [points=1,3|none] [question=N]  ·  /qotd quiz check [points=1,3|none]",
    f"After the reveal, tick the key points your answer covered (+{KEY_POINT_BONUS} point each) and see the team's coverage.",
    ("points", "question"),
    examples=("/qotd check", "/qotd check points=1,3", "/qotd check points=2 question=4", "/qotd quiz check points=1-3"),
)
CHECK_DETAILS = (
    "  (no points)       show the key points numbered, your ticks (or our guess from your answer) and the team's coverage",
    "  points=1,3        the key points your answer covered; ranges like 1-3 work; points=none if it covered none",
    "  question=N        the question's #number; default: this channel's most recently revealed question",
    "Only members who answered can tick, and only after the reveal. Ticking again replaces your ticks.",
    f"Each ticked key point on an on-time answer earns {KEY_POINT_BONUS} point; late answers earn nothing.",
    "/qotd quiz check points=... ticks the key points of your latest practice question (after /qotd quiz answer);",
    "practice earns no points.",
)
MAX_KEY_POINT_NUMBER = 99


def parse_points(text: str) -> tuple[int, ...]:
    """'1,3' -> (1, 3); '1-3' -> (1, 2, 3); 'none' -> (). Raises InvalidInput naming the bad part."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned == "none":
        return ()
    if not cleaned:
        raise InvalidInput("points= is empty; give the numbers of the key points you covered, e.g. points=1,3 (or points=none)")
    chosen: set[int] = set()
    for part in cleaned.split(","):
        low_text, sep, high_text = part.partition("-")
        if not low_text.isdigit() or (sep and not high_text.isdigit()):
            raise InvalidInput(
                f"points '{text}' must be key point numbers such as points=1,3 or points=1-3 ('{part}' is not)"
            )
        low = int(low_text)
        high = int(high_text) if sep else low
        if low < 1 or high < low or high > MAX_KEY_POINT_NUMBER:
            raise InvalidInput(f"points '{text}': '{part}' is not a key point number (they are numbered from 1)")
        chosen.update(range(low, high + 1))
    return tuple(sorted(chosen))


def _check(positional: list[str], options: dict[str, str], *, quiz: bool = False) -> Check:
    spec = SPECS["check"]
    where = "/qotd quiz check" if quiz else "/qotd check"
    allowed = ("points",) if quiz else spec.keys
    unknown = [k for k in options if k not in allowed]
    if unknown:
        extra = " (a practice question is yours alone, so there is no question=)" if quiz and unknown[0] == "question" else ""
        usage = f"{where} [points=1,3|none]" + ("" if quiz else " [question=N]")
        raise InvalidInput(f"{where} does not take '{unknown[0]}='{extra}. Usage: {usage}")
    if positional:
        raise InvalidInput(f"{where} takes key=value options, not '{positional[0]}'; for example {where} points=1,3")
    points = parse_points(options["points"]) if "points" in options else None
    question = None
    if "question" in options:
        number = options["question"].strip().lstrip("#")
        if not number.isdigit() or int(number) < 1:
            raise InvalidInput(f"question '{options['question']}' must be a question's #number, e.g. question=4")
        question = int(number)
    return Check(points=points, question=question, quiz=quiz)


def is_admin_only(command: Command) -> bool:
    return (
        isinstance(command, (Setup, Admin))
        or (isinstance(command, Simple) and command.name in ADMIN_COMMANDS)
    )


def command_name(command: Command) -> str:
    if isinstance(command, Simple):
        return command.name
    if isinstance(command, ForgetMe):
        return "forget-me"
    if isinstance(command, Admin):
        return f"admin {command.action}"
    return type(command).__name__.lower()


# ---- /qotd suggest ----------------------------------------------------------------------------------------

SPECS["suggest"] = CommandSpec(
    '/qotd suggest question="..." answer="..." points="a; b; c" topic=T difficulty=1-3',
    "Suggest a question for this workspace's rotation; an admin reviews it and you are told the outcome.",
    SUGGESTION_FIELDS,
    examples=(
        '/qotd suggest question="Why put a TTL on cache entries?" answer="Without one, a stale value lives '
        'until the next write; a TTL bounds how stale a read can be." points="bounds staleness; add jitter" '
        "topic=caching difficulty=1",
    ),
)
SUGGEST_DETAILS = (
    "On Discord and Slack, /qotd suggest with nothing after it opens a form.",
    *SUGGESTION_EDIT_DETAILS,
    "Approved questions join this workspace's rotation and quizzes, and the reveal says who suggested them.",
)


def _suggest(positional: list[str], options: dict[str, str]) -> Suggest:
    if positional:
        raise InvalidInput(
            f"/qotd suggest takes key=value options, not '{positional[0]}' (put the text in quotes: "
            'question="...")'
        )
    unknown = [k for k in options if k not in SUGGESTION_FIELDS]
    if unknown:
        raise InvalidInput(f"/qotd suggest does not take '{unknown[0]}=' (it takes {', '.join(SUGGESTION_FIELDS)})")
    if not options:
        return Suggest()
    return Suggest(check_suggestion(options))
