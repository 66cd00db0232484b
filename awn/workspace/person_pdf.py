"""A person's data as a readable PDF (PDPL; issue 15, item 4): the same document as the JSON export
(awn/workspace/person_data.py), laid out as labelled tables, Arabic right-to-left.

Rendered like the KPI report (awn/analytics/pdf.py): WeasyPrint lays out an HTML page and Pango shapes the Arabic;
nothing is fetched (names and messages come from people). Its known limitation holds here too: every string
loses its Arabic vowel marks (`plain`), so the text read back out of the file is the letters, hamzas included.
Codes (status, category, channel, kinds) are shown by their labels in the active language; the national id, phone
and email are shown in full, as in the JSON export (supervisors and administrators only, each export audited).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import TextChoices
from django.template.loader import render_to_string
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

from awn.analytics.pdf import plain
from awn.analytics.selectors import REPORT_TZ
from awn.crm.enums import ContactType, RelationKind
from awn.tickets.enums import Category, Channel, Direction, Status

Row = list[tuple[str, str, bool]]  # (label, text, left-to-right)

# Laying out costs about 55 ms of CPU per ticket with two messages (bench/RESULTS.md, "dsar"): the PDF shows the
# first PDF_MAX_TICKETS tickets and says so; the JSON export holds them all (person_data.MAX_TICKETS).
PDF_MAX_TICKETS = 200


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"the person's PDF fetches nothing: {url[:80]}")


def _when(value: str | None) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(REPORT_TZ).strftime("%Y-%m-%d %H:%M")


def _label(choices: type[TextChoices], value: str | None) -> str:
    if not value:
        return "—"
    return str(dict(choices.choices).get(value, value))


def _text(value: Any) -> str:
    return plain(value) if value not in (None, "") else "—"


def _table(title: str, labels: list[str], rows: list[list[tuple[str, bool]]]) -> dict[str, Any]:
    return {
        "title": plain(title),
        "labels": [plain(label) for label in labels],
        "rows": [[(plain(text), ltr) for text, ltr in row] for row in rows],
    }


def contact_table(contact: dict[str, Any]) -> dict[str, Any]:
    fields = [
        (_("Name"), _text(contact["name"]), False),
        (_("Type"), _label(ContactType, contact["contact_type"]), False),
        (_("National id"), _text(contact["national_id"]), True),
        (_("Phone"), _text(contact["phone"]), True),
        (_("Email"), _text(contact["email"]), True),
        (_("Language"), _text(contact["language"]), True),
        (_("Created"), _when(contact["created_at"]), True),
        (_("Contact number"), str(contact["id"]), True),
    ]
    return _table(_("The person"), [_("Field"), _("Value")], [[(k, False), (v, ltr)] for k, v, ltr in fields])


def relations_table(relations: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [
        [
            (_label(RelationKind, r["kind"]), False),
            (_("From this person") if r["direction"] == "outgoing" else _("To this person"), False),
            (_text(r["contact"] or r["organization"]), False),
            (
                _("Revoked")
                if r["revoked_at"]
                else (_("Verified") if r["verified_at"] else _("Not verified")),
                False,
            ),
        ]
        for r in relations
    ]
    return _table(_("Relations"), [_("Relation"), _("Direction"), _("With"), _("State")], rows)


def ticket_block(ticket: dict[str, Any]) -> dict[str, Any]:
    summary = [
        (_("Subject"), _text(ticket["subject"]), False),
        (_("Status"), _label(Status, ticket["status"]), False),
        (_("Category"), _label(Category, ticket["category"]), False),
        (_("Channel"), Channel.label(ticket["channel"]), False),
        (
            _("This person is"),
            _("the requester") if ticket["role"] == "requester" else _("the person concerned"),
            False,
        ),
        (_("Opened"), _when(ticket["created_at"]), True),
    ]
    messages = [
        [
            (_when(m["created_at"]), True),
            (_label(Direction, m["direction"]), False),
            (Channel.label(m["channel"]), False),
            (_text(m["body"]), False),
        ]
        for m in ticket["messages"]
    ]
    return {
        "reference": plain(ticket["reference"]),
        "summary": _table("", [_("Field"), _("Value")], [[(k, False), (v, ltr)] for k, v, ltr in summary]),
        "messages": _table(_("Messages"), [_("Date"), _("Direction"), _("Channel"), _("Text")], messages),
    }


def events_table(events: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [
        [(_text(e["type"]), True), (_when(e["occurred_at"]), True), (_text(e["reason"]), False)]
        for e in events
    ]
    return _table(_("Education system events"), [_("Event"), _("Date"), _("Reason")], rows)


def identities_table(identities: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [[(Channel.label(i["kind"]), False), (_text(i["external_id"]), True)] for i in identities]
    return _table(_("Channel identities"), [_("Channel"), _("Identity")], rows)


def person_pdf(data: dict[str, Any]) -> bytes:
    """The document of person_data() as one PDF (A4): the person, their relations, every ticket with its public
    messages, the education system's events and the channel identities."""
    from weasyprint import HTML

    context = {
        "title": plain(_("The data Awn holds about %(name)s") % {"name": data["contact"]["name"]}),
        "exported_label": plain(_("Exported")),
        "exported": _when(data["exported_at"]),
        "empty_label": plain(_("None.")),
        "tickets_label": plain(_("Tickets")),
        "ticket_label": plain(_("Ticket")),
        "contact": contact_table(data["contact"]),
        "relations": relations_table(data["relations"]),
        "tickets": [ticket_block(t) for t in data["tickets"][:PDF_MAX_TICKETS]],
        "cut_note": plain(
            _("Only the first %(shown)s of %(total)s tickets are shown here; the JSON export holds them all.")
            % {"shown": PDF_MAX_TICKETS, "total": len(data["tickets"])}
        )
        if len(data["tickets"]) > PDF_MAX_TICKETS
        else "",
        "after": [
            events_table(data["education_system_events"]),
            identities_table(data["channel_identities"]),
        ],
        "language": get_language() or "ar",
        "direction": "rtl" if get_language_bidi() else "ltr",
    }
    html = render_to_string("workspace/person_data.pdf.html", context)
    return bytes(HTML(string=html, url_fetcher=_no_fetch).write_pdf())
