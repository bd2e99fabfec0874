"""Persistence: table definitions, engine set-up and migrations."""
