"""Periodic knowledge-base jobs: the retention of users' learned questions."""

from __future__ import annotations

from awn.core.tasks import job

from .services import article_questions_expire


@job()
def expire_learned_questions() -> int:
    """Delete learned questions past their retention (config/schedule.py runs it hourly); how many."""
    return article_questions_expire()
