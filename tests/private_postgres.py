"""A private PostgreSQL server a test may stop and start at will, to see how the bot lives through an outage.

The system server (TEST_DATABASE_URL) is shared and must never go down, so outage tests run
their own cluster: `initdb` into a fresh directory under /tmp, trust authentication, listening
only on 127.0.0.1 on a free port, started and stopped with `pg_ctl`. PostgreSQL refuses to run
as root, so when the tests run as root the server runs as the `postgres` OS user.

The fixture skips (with the reason) when TEST_DATABASE_URL is unset — the same switch as every
other PostgreSQL test — or when the server binaries or the `postgres` user are missing.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.support import PG_URL

POSTGRES_ROOT = Path("/usr/lib/postgresql")
OS_USER = "postgres"


class Unavailable(Exception):
    """This machine cannot run a private server; the message says why."""


def find_bin_dir() -> Path:
    """The newest installed server's bin directory (`/usr/lib/postgresql/<version>/bin`), or PATH's."""
    versions = []
    if POSTGRES_ROOT.is_dir():
        for entry in POSTGRES_ROOT.iterdir():
            if (entry / "bin" / "initdb").is_file() and (entry / "bin" / "pg_ctl").is_file():
                versions.append(entry)

    def version_key(path: Path) -> tuple:
        return tuple(int(part) if part.isdigit() else 0 for part in path.name.split("."))

    if versions:
        return max(versions, key=version_key) / "bin"
    found = shutil.which("initdb"), shutil.which("pg_ctl")
    if all(found):
        return Path(found[0]).parent
    raise Unavailable(f"no PostgreSQL server binaries (initdb, pg_ctl) under {POSTGRES_ROOT} or on PATH")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """One throw-away cluster. `start()`, `stop()`, `restart()`; `close()` always stops it and removes its files."""

    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                self.owner = pwd.getpwnam(OS_USER)
            except KeyError:
                raise Unavailable(f"running as root and there is no '{OS_USER}' OS user to run the server as") from None
            if shutil.which("runuser") is None:
                raise Unavailable("running as root and `runuser` is missing")
        self.base = Path(tempfile.mkdtemp(prefix="qotd-private-pg-"))
        self.data_dir = self.base / "data"
        self.log_file = self.base / "server.log"
        self.port = free_port()
        self.running = False
        if self.as_root:
            os.chown(self.base, self.owner.pw_uid, self.owner.pw_gid)
        try:
            self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        except Exception:
            shutil.rmtree(self.base, ignore_errors=True)
            raise

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.base}"
            # fsync only guards against the machine crashing; a stopped or killed server keeps every
            # commit. (synchronous_commit stays on: off, a killed server forgets the last commits.)
            " -c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "30", "-o", options)
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session at once (clients see "terminating connection"); `immediate` kills."""
        self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "30")
        self.running = False

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def close(self) -> None:
        try:
            if self.running or (self.data_dir / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", "-t", "30", check=False)
        finally:
            self.running = False
            shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self, name: str) -> str:
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                  "-v", "ON_ERROR_STOP=1", "-qc", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def server_log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / program), *args]
        if self.as_root:
            command = ["runuser", "-u", OS_USER, "--", *command]
        started = time.monotonic()
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60, cwd=self.base)
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args[:2])} failed ({done.returncode}, {time.monotonic() - started:.1f}s): "
                f"{done.stderr.strip() or done.stdout.strip()}\n{self.server_log()[-2000:]}"
            )
        return done


@pytest.fixture(scope="session")
def private_postgres():
    """A running private cluster for the whole session; stopped and removed at the end, whatever happened."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL outage tests are skipped")
    try:
        server = PrivatePostgres()
    except Unavailable as exc:
        pytest.skip(f"cannot run a private PostgreSQL server: {exc}")
    try:
        server.start()
        yield server
    finally:
        server.close()
