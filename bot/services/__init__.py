"""Use cases: each module owns one part of the question lifecycle."""
