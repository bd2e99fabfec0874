"""Who is acting on Slack: name and admin status, cached per user for a few minutes.

Admins are the workspace's admins and owners (users.info), plus, when SLACK_ADMIN_GROUP names a
user group (its id, S…), that group's members (usergroups.users.list, cached per workspace).
"""

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


def who_may_administer(admin_group: str | None) -> str:
    """For refusals: who counts as an admin here."""
    extra = " and members of the qotd admin user group" if admin_group else ""
    return f"On Slack, qotd admins are the workspace's admins and owners{extra}."


class MemberDirectory:
    def __init__(
        self, ttl_seconds: float = 300.0, now: Callable[[], float] = time.monotonic, *, admin_group: str | None = None
    ) -> None:
        self.ttl = ttl_seconds
        self.admin_group = admin_group
        self._now = now
        self._cache: dict[tuple[str, str], tuple[float, Member]] = {}
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}

    async def member(self, client: AsyncWebClient, user_id: str, fallback_name: str | None = None) -> Member:
        user_id = str(user_id)
        team_key = str(hash(client.token))  # one cache per workspace (each has its own bot token)
        cached = self._cache.get((team_key, user_id))
        if cached and cached[0] > self._now():
            return cached[1]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as exc:  # not cached: the next action asks again
            log.warning("users.info failed for %s: %s; treating them as a plain member", user_id, exc.response.get("error"))
            return Member(id=user_id, name=fallback_name or user_id, is_admin=False)
        user = response.get("user") or {}
        admin = is_admin(user) or user_id in await self._group_members(client, team_key)
        found = Member(id=user_id, name=display_name(user, fallback_name or user_id), is_admin=admin)
        self._cache[(team_key, user_id)] = (self._now() + self.ttl, found)
        return found

    async def _group_members(self, client: AsyncWebClient, team_key: str) -> frozenset[str]:
        if not self.admin_group:
            return frozenset()
        cached = self._groups.get(team_key)
        if cached and cached[0] > self._now():
            return cached[1]
        try:
            response = await client.usergroups_users_list(usergroup=self.admin_group)
        except SlackApiError as exc:
            log.warning("could not read the admin user group %s: %s", self.admin_group, exc.response.get("error"))
            return frozenset()
        members = frozenset(str(u) for u in response.get("users") or [])
        self._groups[team_key] = (self._now() + self.ttl, members)
        return members
