"""Page furniture that is neither question nor answer: navigation, adverts, banners, footers.

Each rule matches a whole line (after Markdown links, emphasis, heading marks
and bullets are removed), so an answer that merely mentions cookies or says
"subscribe the consumer to the topic" is never dropped. Lines longer than
MAX_WORDS are never junk: furniture is short.
"""

from __future__ import annotations

import re

MAX_WORDS = 40

_SITE_LINKS = r"(home|blog|about( us)?|contact( us)?|privacy( policy)?|terms( of (service|use))?|cookie policy|imprint|sitemap|careers|faq|pricing|docs|login|log in|sign up|rss)"
_SOCIAL = r"(twitter|x|facebook|linkedin|reddit|hacker news|email|e-mail|whatsapp|mastodon|bluesky|copy link|telegram)"

RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern))
    for reason, pattern in (
        ("navigation", r"^(home|start|docs|blog)\s*(>|»|›|/|→|\\)\s*\S"),
        ("navigation", r"^(skip to (main )?content|(main )?menu|navigation|back to top|go to top|scroll to top|search( \.\.\.| this site)?|load more|read more|continue reading|show more|see all)\W*$"),
        ("navigation", r"^[«‹←<]?\s*(next|previous|prev|older|newer)(\s+(post|posts|article|articles|page|question|chapter|lesson|entries))?\s*[»›→>]?$"),
        ("navigation", r"^[«‹←<]?\s*(next|previous|prev|older|newer)\s+(post|article|page|question|chapter|lesson)\s*[:»›→>]"),
        ("navigation", r"^[«‹←]\s*\S.{0,60}$|^\S.{0,60}[»›→]$"),
        ("navigation", rf"^{_SITE_LINKS}(\s*[|·•/]\s*{_SITE_LINKS}){{2,}}\W*$"),
        ("advert", r"^\[?(advertisement|advertisements|advert|ad|ads|sponsored( content| post| link)?|promoted|paid content|partner content)\]?\W*$"),
        ("advert", r"^(advertisement|sponsored|ad|promoted)\s*[:|—–-]\s*\S"),
        ("sign-up banner", r"^(sign up|sign in|log in|login|register|join|subscribe)( now| free| for free| today| here)?\W*$"),
        ("sign-up banner", r"\bsubscribe to (our|the|my) (newsletter|blog|channel|mailing list|feed)\b"),
        ("sign-up banner", r"\b(newsletter|in your inbox|create a free account|start your free trial|free trial|don't have an account|already have an account)\b"),
        ("sign-up banner", r"^(sign up|join)\b.*\b(free|now|today|weekly|account|members?|engineers|developers|readers)\b"),
        ("cookie notice", r"\b(we|this (site|website)) uses? cookies\b"),
        ("cookie notice", r"^(accept|reject|decline|manage)( all)?( cookies)?\W*$|^(accept|reject|manage) (all )?cookies\b|\b(accept|reject) all cookies\b"),
        ("cookie notice", r"^cookie (settings|preferences|policy|notice|consent)\b"),
        ("share buttons", r"^(share|tweet|like|pin it|copy link|share this( post| article| page)?)( on \w+)?\W*$"),
        ("share buttons", rf"^share( this)?( (post|article|page))?\s*(on|via|:)\s*{_SOCIAL}"),
        ("share buttons", rf"^{_SOCIAL}(\s*[|·•,/]\s*{_SOCIAL})+\W*$"),
        ("page furniture", r"^(©|\(c\)\s|copyright\s*(©|\(c\)|\d{4}))|\ball rights reserved\b"),
        ("page furniture", r"^(table of contents|contents|on this page|in this article|toc)\W*$"),
        ("page furniture", r"^(posted|published|written|updated|last updated|last modified)\s+(by|on)\b.{0,100}$"),
        ("page furniture", r"^\d+\s*(min|mins|minute|minutes)\s+read\W*$|·\s*\d+\s*min(ute)?s? read\W*$"),
        ("page furniture", r"^(related (posts|articles|questions|reading)|you (may|might) also like|popular posts|recommended( for you| reading)?|more from\b.*|leave a (comment|reply)|\d+ comments?|comments( \(\d+\))?|was this (page |article |answer )?(helpful|useful)\??.*|filed under\b.*|categories:.*|tags:.*|thanks for reading\b.*|print( this page)?|edit (this page|on github))\W*$"),
    )
)

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)")
_LEAD = re.compile(r"^\s*(#{1,6}\s+|>\s*|[-*+•]\s+)?")


def junk_reason(line: str) -> str | None:
    """Why `line` is page furniture ("navigation", "advert", ...), or None if it may be content."""
    text = _normalize(line)
    if not text or len(text.split()) > MAX_WORDS:
        return None
    for reason, pattern in RULES:
        if pattern.search(text):
            return reason
    return None


def _normalize(line: str) -> str:
    text = _LINK.sub(r"\1", line)
    text = _LEAD.sub("", text, count=1)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split()).lower()
