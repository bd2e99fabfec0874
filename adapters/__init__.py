"""Chat-platform adapters over the qotd core: console (built in), Discord and Slack."""
