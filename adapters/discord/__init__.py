"""Discord adapter: discord.py client, /qotd application command, persistent buttons, and the ChatPort."""
