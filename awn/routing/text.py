"""The live wait told to the waiting person, in their language (portal, and any auto-reply that wants it)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .selectors import WaitEstimate


def wait_sentence(estimate: WaitEstimate, language: str | None = None) -> str:
    """ "You are number 3 in line. Estimated wait: about 4 minutes." — or that nobody is available right now."""
    with translation.override(language or translation.get_language() or "ar"):
        if estimate.seconds is None:
            return _("No agent is available right now. We will answer you as soon as the team is back.")
        if estimate.seconds == 0:
            return _("An agent will take your request in a moment.")
        minutes = ngettext("about %(n)d minute", "about %(n)d minutes", estimate.minutes) % {
            "n": estimate.minutes
        }
        return _("You are number %(position)d in line. Estimated wait: %(wait)s.") % {
            "position": estimate.position,
            "wait": minutes,
        }
