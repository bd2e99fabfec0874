"""Files that come with a reply (a data export, a chart): the console writes them to disk and says where.

They go to `<QOTD_DATA_DIR>/exports/`, next to the console's database; a name already taken gets a
numbered suffix instead of being overwritten.
"""

from __future__ import annotations

from pathlib import Path

from bot.ports import Attachment

EXPORTS = "exports"


def save_attachments(data_dir: Path, attachments: tuple[Attachment, ...]) -> list[Path]:
    folder = Path(data_dir).expanduser() / EXPORTS
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for attachment in attachments:
        name = Path(attachment.filename).name or "file"  # never a path from elsewhere
        target = folder / name
        n = 1
        while target.exists():
            target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
            n += 1
        target.write_bytes(attachment.content)
        saved.append(target)
    return saved


def describe(saved: list[Path]) -> str:
    return "\n".join(f"  saved {path} ({path.stat().st_size:,} bytes)" for path in saved)
