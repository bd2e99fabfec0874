"""Run the benchmarks and write the day's results: `python -m benchmarks.run [names...]` (`make bench`).

Each benchmark (`benchmarks/bench_<name>.py`) runs once per database: SQLite (a
file in WAL mode) always, PostgreSQL as well when TEST_DATABASE_URL is set. Every
run gets a fresh database and its own Python process, so one run's memory,
caches and imports never flatter or burden the next (the tick benchmark measures
the process's RSS).

The table printed at the end lists every figure with its target beside it and
MET or MISSED; `benchmarks/results/<YYYY-MM-DD>.md` holds the same table and
`<YYYY-MM-DD>.json` the machine, the database versions, the scale and every
result with its details. Running only some benchmarks replaces those in the
day's files and keeps the others (when the scale is the same).

The exit code is 0 even when a target is missed (the table says so); it is 1
only when a benchmark crashed.

    python -m benchmarks.run                 # all of them
    python -m benchmarks.run tick queries    # some of them
    QOTD_BENCH_SCALE=0.05 python -m benchmarks.run --results benchmarks/results/tmp   # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from benchmarks.harness import REPO, Result, databases, pg_admin_url, scale

BENCHMARKS = ("answers", "commands", "fanout", "tick", "queries")
RESULTS_DIR = REPO / "benchmarks" / "results"
INFO_TARGETS = ("", "-", "—")  # a figure reported for context, with no target of its own


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description="Run the qotd benchmarks.")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="folder for <date>.json and <date>.md")
    parser.add_argument("--child", nargs=3, metavar=("NAME", "DATABASE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(*args.child)

    names = [_short(n) for n in args.names] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    factor = scale()
    targets = [factory.__name__.removesuffix("_database") for factory in databases()]
    notes: list[str] = []
    crashes: list[str] = []
    results: list[dict] = []
    for name in names:
        if not (REPO / "benchmarks" / f"bench_{name}.py").exists():
            notes.append(f"bench_{name}: not written yet, skipped")
            print(f"-- bench_{name}: not written yet, skipped", flush=True)
            continue
        for database in targets:
            print(f"-- bench_{name} on {database} (scale {factor:g})", flush=True)
            started = time.perf_counter()
            found, crash = _run_child(name, database)
            took = time.perf_counter() - started
            print(f"   done in {took:.0f} s", flush=True)
            if crash:
                crashes.append(f"bench_{name} on {database}: {crash}")
            results += [{**r, "module": name, "seconds": round(took, 1)} for r in found]

    today = date.today().isoformat()
    report = {
        "date": today,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scale": factor,
        "machine": machine_info(),
        "databases": database_versions(targets),
        "notes": notes,
        "crashes": crashes,
        "results": results,
    }
    report = _merge_with_earlier(args.results / f"{today}.json", report, names)
    table = render_table(report)
    print()
    print(table)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"{today}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (args.results / f"{today}.md").write_text(table + "\n")
    print(f"\nwrote {_shown(args.results / f'{today}.json')} and {_shown(args.results / f'{today}.md')}")
    return 1 if crashes else 0


def _short(name: str) -> str:
    return name.removeprefix("benchmarks.").removeprefix("bench_").removesuffix(".py")


def _run_child(name: str, database: str) -> tuple[list[dict], str | None]:
    """Run one benchmark on one database in a fresh process; returns its results and what went wrong, if anything."""
    with tempfile.TemporaryDirectory(prefix="qotd-bench-run-") as folder:
        out = Path(folder) / "results.json"
        command = [sys.executable, "-m", "benchmarks.run", "--child", name, database, str(out)]
        finished = subprocess.run(command, cwd=REPO)
        found = json.loads(out.read_text()) if out.exists() else []
    if finished.returncode != 0:
        return found, f"exited with code {finished.returncode} (see the output above)"
    return found, None


def _child(name: str, database: str, out: str) -> int:
    """One benchmark on one fresh database, in this process; results go to `out` as JSON."""
    module = importlib.import_module(f"benchmarks.bench_{name}")
    factory = {factory.__name__.removesuffix("_database"): factory for factory in databases()}[database]

    async def run() -> list[Result]:
        async with factory() as db:
            return await module.run(db, scale())

    found = asyncio.run(run())
    Path(out).write_text(json.dumps([r.as_dict() for r in found], default=str))
    return 0


def machine_info() -> dict:
    info = {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model() or platform.processor(),
        "memory_gb": _memory_gb(),
    }
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None
    return None


def database_versions(targets: list[str]) -> dict:
    versions = {"sqlite": sqlite3.sqlite_version}
    if "postgresql" in targets:
        try:
            versions["postgresql"] = asyncio.run(_postgresql_version())
        except Exception as exc:  # the runs said what went wrong; the table is still written
            versions["postgresql"] = f"unknown ({type(exc).__name__})"
    return versions


async def _postgresql_version() -> str:
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(pg_admin_url())
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
        password=url.password, database=url.database or "postgres",
    )
    try:
        return await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()


def _merge_with_earlier(path: Path, report: dict, names: list[str]) -> dict:
    """Keep today's results of the benchmarks not run this time (same scale); these replace their own."""
    if not path.exists():
        return report
    try:
        earlier = json.loads(path.read_text())
    except (OSError, ValueError):
        return report
    if earlier.get("scale") != report["scale"]:
        return report
    kept = [r for r in earlier.get("results", []) if r.get("module") not in names]
    if not kept:
        return report
    report["results"] = kept + report["results"]
    report["results"].sort(key=lambda r: BENCHMARKS.index(r["module"]) if r.get("module") in BENCHMARKS else 99)
    report["databases"] = {**earlier.get("databases", {}), **report["databases"]}
    report["notes"] = [n for n in earlier.get("notes", []) if n.split(":")[0].removeprefix("bench_") not in names] + report["notes"]
    report["crashes"] = [c for c in earlier.get("crashes", []) if c.split(" ")[0].removeprefix("bench_") not in names] + report["crashes"]
    return report


def status(result: dict) -> str:
    if str(result["target"]).strip() in INFO_TARGETS:
        return "info"
    return "MET" if result["met"] else "MISSED"


def format_value(value: float, unit: str) -> str:
    if unit == "ratio":
        return f"{value:.2f}x"
    if unit == "count":
        return f"{value:,.0f}"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}"


def render_table(report: dict) -> str:
    """The Markdown table of every figure, its target and whether it was met."""
    machine = report["machine"]
    dbs = ", ".join(f"{name} {version}" for name, version in report["databases"].items())
    lines = [
        f"# qotd benchmarks, {report['date']}",
        "",
        f"Scale {report['scale']:g}; {machine.get('cpu_count')} CPUs ({machine.get('processor')}), "
        f"Python {machine.get('python')}, {machine.get('platform')}; {dbs}.",
        "",
        "| benchmark | database | metric | value | target | |",
        "|---|---|---|---:|---|---|",
    ]
    for r in report["results"]:
        target = r["target"] if status(r) != "info" else "—"
        lines.append(
            f"| {r['benchmark']} | {r['database']} | {r['metric']} | {format_value(r['value'], r['unit'])} | {target} | {status(r)} |"
        )
    counted = [r for r in report["results"] if status(r) != "info"]
    missed = [r for r in counted if not r["met"]]
    lines += ["", f"{len(counted) - len(missed)} of {len(counted)} targets met" + (f"; {len(missed)} missed." if missed else ".")]
    for note in report.get("notes", []):
        lines.append(f"- {note}")
    for crash in report.get("crashes", []):
        lines.append(f"- CRASHED: {crash}")
    return "\n".join(lines)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
