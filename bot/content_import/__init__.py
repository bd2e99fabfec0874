"""`qotd content import`: teams' notes (Markdown, text, CSV/TSV, Anki/Quizlet, JSON, YAML) into bank files.

sources      one input file -> questions, or why it cannot be imported
decoding     bytes -> text (byte-order marks, UTF-8, Windows-1252); binary refused
formats      which parser reads a file: extension, then content sniffing
prose        text and Markdown shapes (prose_lines says what each line is; junk spots page furniture)
tabular      CSV, TSV, Anki and Quizlet rows (html_fields turns HTML in cards into Markdown)
structured   JSON and YAML lists of objects
entries      id (ids), topic and kind (topic_guess), tags, difficulty, key points and draft (key_points)
duplicates   what the run has already seen, exact or near (bot.near_duplicates)
importer     one run: read, drop duplicates, validate in a scratch folder, then write
writer       readable YAML in the schema's field order
report       the lines printed at the end
"""

from bot.content_import.importer import ImportFailed, ImportOptions, ImportResult, run_import
from bot.content_import.report import summary_lines

__all__ = ["ImportFailed", "ImportOptions", "ImportResult", "run_import", "summary_lines"]
