"""The Slack app manifests in deploy/slack/ ask for exactly what the adapter uses.

Every Web API method the adapter calls needs its scope in both manifests, and every event the
Bolt app listens to must be subscribed; a new call or listener without a manifest change fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.support import REPO

MANIFESTS = {"socket": REPO / "deploy/slack/manifest.yml", "http": REPO / "deploy/slack/manifest-http.yml"}
# Web API method (as slack_sdk spells it) -> the bot scope it needs (None: no scope needed).
METHOD_SCOPES = {
    "auth_test": None,
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "chat_delete": "chat:write",
    "conversations_history": "channels:history",  # finding a question whose post got no answer (port.py)
    "conversations_replies": "channels:history",  # finding the pages of a reveal that was cut short
    "users_info": "users:read",
    "usergroups_users_list": "usergroups:read",
    "views_open": None,
    "views_update": None,
    "views_push": None,
    "views_publish": None,
    "conversations_open": "im:write",  # a DM for a member's own files (adapters/slack/files.py)
    "files_upload_v2": "files:write",  # files.getUploadURLExternal + files.completeUploadExternal
}
# Bolt event name -> the subscriptions that deliver it.
EVENT_SUBSCRIPTIONS = {
    "message": {"message.channels", "message.groups"},
    "app_home_opened": {"app_home_opened"},
    "app_uninstalled": {"app_uninstalled"},
    "tokens_revoked": {"tokens_revoked"},
}


def adapter_source() -> str:
    return "\n".join(path.read_text() for path in sorted((REPO / "adapters/slack").glob("*.py")))


def load(name: str) -> dict:
    return yaml.safe_load(MANIFESTS[name].read_text())


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_the_manifest_has_the_command_home_tab_and_interactivity(name):
    manifest = load(name)
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/qotd" and command["description"] and command["usage_hint"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is (name == "socket")
    if name == "http":
        urls = {command["url"], manifest["settings"]["event_subscriptions"]["request_url"],
                manifest["settings"]["interactivity"]["request_url"]}
        assert {Path(url).name for url in urls} == {"events"} and all(u.endswith("/slack/events") for u in urls)
        assert manifest["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")
    else:
        assert "url" not in command and "request_url" not in manifest["settings"]["event_subscriptions"]


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_every_web_api_call_the_adapter_makes_has_its_scope(name):
    scopes = set(load(name)["oauth_config"]["scopes"]["bot"])
    called = set(re.findall(r"client\)?\.((?:auth|chat|conversations|files|users|usergroups|views)_\w+)\(", adapter_source()))
    assert called, "no Web API calls found: the scan is broken"
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES and the manifests: {unknown}"
    missing = {f"{method} needs {METHOD_SCOPES[method]}" for method in called if METHOD_SCOPES[method] not in (None, *scopes)}
    assert not missing
    assert "commands" in scopes


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_every_event_the_app_listens_to_is_subscribed(name):
    subscribed = set(load(name)["settings"]["event_subscriptions"]["bot_events"])
    listened = set(re.findall(r"\.event\(\s*\"(\w+)\"", adapter_source()))
    assert "message" in listened
    for event in listened:
        assert event in EVENT_SUBSCRIPTIONS, f"add {event} to EVENT_SUBSCRIPTIONS and the manifests"
        assert EVENT_SUBSCRIPTIONS[event] <= subscribed, event
    # history scopes are what deliver message events in public and private channels
    scopes = set(load(name)["oauth_config"]["scopes"]["bot"])
    assert {"channels:history", "groups:history"} <= scopes


def test_both_manifests_ask_for_the_same_scopes_and_events():
    socket, http = load("socket"), load("http")
    assert socket["oauth_config"]["scopes"] == http["oauth_config"]["scopes"]
    assert socket["settings"]["event_subscriptions"]["bot_events"] == http["settings"]["event_subscriptions"]["bot_events"]


def test_the_install_flow_asks_for_exactly_the_manifests_scopes():
    from adapters.slack.installations import BOT_SCOPES

    assert set(BOT_SCOPES) == set(load("http")["oauth_config"]["scopes"]["bot"])
