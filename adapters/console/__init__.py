"""The terminal console: one channel in one local workspace, for trying qotd in a minute."""
