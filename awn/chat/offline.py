"""What a visitor is told when no agent is online: how the answer will reach them and when the team is back.

The chat stays open (queued, marked offline): the visitor may keep writing, every line joins the ticket, and the
first agent who comes online takes it from the queue. "When" comes from the business calendar of the ticket's
team (awn.sla): now if the team is within its hours, else the next opening, in Riyadh time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from awn.sla.business_time import from_local_second, to_local_second
from awn.sla.selectors import calendar_for_team

from .models import LiveSession

RIYADH = ZoneInfo("Asia/Riyadh")


def next_opening(team_id: int | None, now: datetime | None = None) -> datetime | None:
    """The first business second at or after `now` on the team's calendar; None without any calendar."""
    calendar = calendar_for_team(team_id)
    if calendar is None:
        return None
    moment = now or timezone.now()
    opening = calendar.instant_at(calendar.position(to_local_second(moment)) + 1) - 1
    return from_local_second(max(opening, to_local_second(moment)))


def how_we_answer(conversation: LiveSession) -> str:
    if conversation.visitor_email:
        return _("We will answer here if you stay, and by email at %(email)s.") % {
            "email": conversation.visitor_email
        }
    if conversation.visitor_phone:
        return _(
            "We will answer here if you stay, or by a message to %(phone)s; you can also follow it on the portal."
        ) % {"phone": conversation.visitor_phone}
    return _("We will answer here if you stay; you can also follow it on the portal.")


def when_we_answer(team_id: int | None, now: datetime | None = None) -> str:
    moment = now or timezone.now()
    opening = next_opening(team_id, moment)
    if opening is None or opening <= moment:
        return _("An agent will answer as soon as one is free.")
    local = timezone.localtime(opening, RIYADH)
    return _("The team is back on %(day)s at %(time)s (Riyadh time).") % {
        "day": formats.date_format(local, "l j F"),
        "time": formats.time_format(local, "H:i"),
    }


def offline_notice(conversation: LiveSession, now: datetime | None = None) -> str:
    return _(
        "No agent is online right now. Your request is ticket %(ref)s and stays open. %(how)s %(when)s"
    ) % {
        "ref": conversation.ticket.reference,
        "how": how_we_answer(conversation),
        "when": when_we_answer(conversation.ticket.team_id, now),
    }
