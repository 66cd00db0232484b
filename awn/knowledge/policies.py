"""Who may see an article: everyone (anonymous too) sees published public articles; staff see every article.
An article outside this is a 404, never a 403."""

from __future__ import annotations

from typing import Any

from awn.accounts.policies import is_staff_member, is_supervisor

from .models import Article


def can_see_all_articles(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and is_staff_member(user))


def can_view_article(user: Any, article: Article) -> bool:
    return article.is_public or can_see_all_articles(user)


def can_edit_articles(user: Any) -> bool:
    """Write and revise drafts, send them for review: every staff member (agents turn answers into articles)."""
    return can_see_all_articles(user)


def can_publish_articles(user: Any) -> bool:
    """Publish, unpublish and change visibility: supervisors and admins."""
    return bool(can_see_all_articles(user) and is_supervisor(user))
