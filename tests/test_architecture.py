"""The core (bot/) stays platform-agnostic: it never imports discord.py, slack-bolt or slack-sdk.

Checked twice: statically over the source (so an import inside a function or a rarely taken branch
is caught too) and at runtime (so an indirect import through some other module is caught too).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support import REPO

CORE = REPO / "bot"
PLATFORM_PACKAGES = frozenset({"discord", "slack_bolt", "slack_sdk"})
DYNAMIC_IMPORTERS = {"import_module", "__import__", "find_spec"}


def _is_platform(module: str | None) -> bool:
    return bool(module) and module.split(".", 1)[0] in PLATFORM_PACKAGES


def platform_imports(root: Path) -> list[str]:
    """Every import of a platform package (or any submodule) in the .py files under `root`.

    Covers `import x`, `import x.y as z`, `from x(.y) import ...` and calls such as
    `importlib.import_module("x.y")` / `__import__("x")` with a literal name. Relative imports
    (`from . import x`) stay inside the package and are not platform imports.
    """
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            elif isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                first = node.args[0]
                if name in DYNAMIC_IMPORTERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    modules = [first.value]
            for module in modules:
                if _is_platform(module):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {module}")
    return found


def test_core_source_never_imports_a_platform_sdk():
    files = list(CORE.rglob("*.py"))
    assert len(files) > 10, "the core package was not found"
    assert platform_imports(CORE) == []


def test_importing_every_core_module_loads_no_platform_sdk():
    """Import all of bot.* in a fresh interpreter; no platform module may be loaded or even attempted."""
    probe = textwrap.dedent(
        """
        import importlib, json, pkgutil, sys

        PLATFORM = {"discord", "slack_bolt", "slack_sdk"}
        attempted = []

        class Recorder:
            # Sees every import that is not already cached, even ones that would fail or are caught.
            def find_spec(self, name, path=None, target=None):
                if name.split(".", 1)[0] in PLATFORM:
                    attempted.append(name)
                return None

        sys.meta_path.insert(0, Recorder())
        import bot

        imported = ["bot"]
        failed = {}
        for info in pkgutil.walk_packages(bot.__path__, "bot.", onerror=lambda name: failed.setdefault(name, "walk")):
            if info.name == "bot.__main__":  # runs the CLI on import
                continue
            try:
                importlib.import_module(info.name)
                imported.append(info.name)
            except Exception as exc:
                failed[info.name] = repr(exc)
        loaded = sorted(m for m in sys.modules if m.split(".", 1)[0] in PLATFORM)
        print(json.dumps({"imported": imported, "failed": failed, "loaded": loaded, "attempted": attempted}))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failed"] == {}
    expected = set()
    for path in CORE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] != "__main__":
            expected.add(".".join(parts))
    assert expected - set(report["imported"]) == set(), "some core modules were not imported"
    assert report["loaded"] == []
    assert report["attempted"] == []


def test_the_static_check_catches_platform_imports(tmp_path):
    bad = tmp_path / "pkg"
    (bad / "sub").mkdir(parents=True)
    (bad / "__init__.py").write_text("")
    (bad / "sender.py").write_text("from slack_sdk import WebClient\n")
    (bad / "sub" / "hidden.py").write_text(
        textwrap.dedent(
            """
            import importlib
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                import discord.ext.commands as commands


            def later():
                from slack_bolt.async_app import AsyncApp
                return importlib.import_module("slack_sdk.web.async_client"), __import__("discord")
            """
        )
    )
    (bad / "fine.py").write_text(
        "import discordant\nfrom slack_sdkx import y\nfrom . import discord\nfrom .slack_sdk import z\nimport os.path as discord_path\n"
    )
    assert platform_imports(bad) == [
        "sender.py:1: slack_sdk",
        "sub/hidden.py:6: discord.ext.commands",
        "sub/hidden.py:10: slack_bolt.async_app",
        "sub/hidden.py:11: slack_sdk.web.async_client",
        "sub/hidden.py:11: discord",
    ]
