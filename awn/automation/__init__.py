"""Automation rules (triggers on events, time-based rules) and macros (issue 16, items 6 and 7)."""
