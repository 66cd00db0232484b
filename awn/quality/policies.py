"""Who reviews whom. Supervisors and admins review; an outsourced (vendor) team's supervisor reviews only the agents
of that team and reads only their reviews; an agent reads only their own finished reviews."""

from __future__ import annotations

from django.db.models import QuerySet

from awn.accounts.enums import Role
from awn.accounts.models import User
from awn.accounts.policies import is_staff_member, is_supervisor

from .models import Review


def can_review(user: User) -> bool:
    return bool(user.is_active and is_supervisor(user))


def reviewer_team_id(user: User) -> int | None:
    """The one team a reviewer is limited to, or None for every team (admins, in-house and hybrid supervisors)."""
    if user.role == Role.ADMIN:
        return None
    team = user.team
    if team is not None and team.is_restricted:
        return team.pk
    return None


def can_manage_scorecards(user: User) -> bool:
    """Scorecards are shared by every team: a vendor's supervisor uses them but does not change them."""
    return can_review(user) and reviewer_team_id(user) is None


def can_review_agent(user: User, agent: User) -> bool:
    if not can_review(user) or not is_staff_member(agent) or agent.role != Role.AGENT:
        return False
    only = reviewer_team_id(user)
    return only is None or agent.team_id == only


def reviewable_agents(user: User) -> QuerySet[User]:
    agents = User.objects.filter(role=Role.AGENT, is_active=True).order_by("first_name", "username")
    only = reviewer_team_id(user)
    return agents if only is None else agents.filter(team_id=only)


def reviews_visible_to(user: User) -> QuerySet[Review]:
    """Reviews a reviewer may open: all, or those of their own vendor team's agents (by the agent's team now
    and the team recorded on the review, so neither a move in nor a move out widens what they see)."""
    reviews = Review.objects.all()
    if not can_review(user):
        return reviews.none()
    only = reviewer_team_id(user)
    return reviews if only is None else reviews.filter(team_id=only, agent__team_id=only)


def own_reviews(user: User) -> QuerySet[Review]:
    """An agent's own finished reviews: never anyone else's, never one still being scored."""
    return Review.objects.filter(agent_id=user.pk, reviewed_at__isnull=False)
