"""Who is acting on Slack: name and admin status from users.info, cached per user for a few minutes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import Member

log = logging.getLogger(__name__)


def is_admin(user: dict) -> bool:
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def display_name(user: dict, fallback: str) -> str:
    profile = user.get("profile") or {}
    return profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name") or fallback


class MemberDirectory:
    def __init__(self, ttl_seconds: float = 300.0, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self._now = now
        self._cache: dict[str, tuple[float, Member]] = {}

    async def member(self, client: AsyncWebClient, user_id: str, fallback_name: str | None = None) -> Member:
        cached = self._cache.get(user_id)
        if cached and cached[0] > self._now():
            return cached[1]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as exc:  # not cached: the next action asks again
            log.warning("users.info failed for %s: %s; treating them as a plain member", user_id, exc)
            return Member(id=user_id, name=fallback_name or user_id, is_admin=False)
        user = response.get("user") or {}
        found = Member(id=user_id, name=display_name(user, fallback_name or user_id), is_admin=is_admin(user))
        self._cache[user_id] = (self._now() + self.ttl, found)
        return found
