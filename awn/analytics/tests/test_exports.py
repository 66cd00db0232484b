"""Slice 4 of issue 17: every table of the reports exports to CSV (UTF-8 with BOM) and XLSX (right-to-left sheets,
real number and date cells); national ids masked unless an administrator asks."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from awn.surveys.services import survey_invite
from awn.tickets.enums import Status
from awn.tickets.services import ticket_add_message, ticket_rate

TABLES = ("kpis", "trend", "heatmap", "breakdown", "tickets")


def export(client: Any, table: str, fmt: str, **params: Any) -> Any:
    return client.get(f"/workspace/analytics/export/{table}.{fmt}", params)


@pytest.fixture
def resolved(world: Any) -> list[Any]:
    tickets = [world.ticket(subject=f"تذكرة {i}") for i in range(3)]
    for t in tickets[:2]:
        ticket_add_message(ticket=t, body="تم الحل", actor=world.agent, status_after=Status.RESOLVED)
    ticket_rate(ticket=tickets[0], contact=world.parent, score=4)
    survey_invite(tickets[1].pk)  # asked and not answered: the response rate is one of two
    return tickets


@pytest.mark.django_db
def test_every_table_exports_in_both_formats(world: Any, resolved: list[Any]) -> None:
    client = world.client_for(world.supervisor)
    for table in TABLES:
        for fmt in ("csv", "xlsx"):
            response = export(client, table, fmt)
            assert response.status_code == 200, (table, fmt)
            assert f".{fmt}" in response["Content-Disposition"]
            assert response["Cache-Control"] == "private, no-store"
    assert export(client, "secrets", "csv").status_code == 404
    assert export(client, "report", "xlsx").status_code == 404  # the whole report is a PDF only
    assert export(world.client_for(world.agent), "kpis", "csv").status_code == 404


@pytest.mark.django_db
def test_the_csv_has_a_bom_arabic_headers_and_parses(world: Any, resolved: list[Any]) -> None:
    body = export(world.client_for(world.supervisor), "kpis", "csv").content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "المؤشر" and rows[0][2] == "التذاكر المحتسبة"
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["التذاكر"][2] == "3"
    assert float(by_name["رضا العملاء (CSAT)"][4]) == 1.0  # one rating, a 4
    assert float(by_name["نسبة الاستجابة للاستبيان"][4]) == 0.5
    trend = list(
        csv.reader(
            io.StringIO(
                export(world.client_for(world.supervisor), "trend", "csv").content.decode("utf-8-sig")
            )
        )
    )
    assert len(trend) == 31 and date.fromisoformat(trend[-1][0])  # header + 30 days, ISO dates
    assert sum(int(row[2]) for row in trend[1:]) == 3


@pytest.mark.django_db
def test_the_xlsx_is_right_to_left_with_real_numbers_and_dates(world: Any, resolved: list[Any]) -> None:
    client = world.client_for(world.supervisor)
    book = load_workbook(io.BytesIO(export(client, "trend", "xlsx").content))
    sheet = book.active
    assert sheet is not None and sheet.sheet_view.rightToLeft is True
    assert sheet["A1"].value == "اليوم"
    assert isinstance(sheet["A2"].value, datetime) and sheet["A2"].number_format == "yyyy-mm-dd"
    assert isinstance(sheet["C2"].value, int)
    assert sum(row[2] for row in sheet.iter_rows(min_row=2, values_only=True)) == 3
    kpis = load_workbook(io.BytesIO(export(client, "kpis", "xlsx").content)).active
    assert kpis is not None and kpis.sheet_view.rightToLeft is True
    csat = next(row for row in kpis.iter_rows(min_row=2) if row[0].value == "رضا العملاء (CSAT)")
    assert csat[4].value == 1.0 and csat[4].number_format == "0.0%"
    tickets = load_workbook(io.BytesIO(export(client, "tickets", "xlsx").content)).active
    assert tickets is not None
    created = tickets["B2"].value
    assert isinstance(created, datetime) and created.tzinfo is None  # Riyadh local time


@pytest.mark.django_db
def test_national_ids_are_masked_unless_an_administrator_asks(
    world: Any, resolved: list[Any], caplog: Any
) -> None:
    full_id = world.parent.national_id
    assert full_id
    masked = export(world.client_for(world.supervisor), "tickets", "csv", unmask="1").content.decode(
        "utf-8-sig"
    )
    assert full_id not in masked and world.parent.name in masked
    rows = list(csv.reader(io.StringIO(masked)))
    assert rows[1][7] and rows[1][7] != full_id and rows[1][7][-2:] == full_id[-2:]
    with caplog.at_level(logging.INFO, logger="awn.analytics.exports"):
        plain = export(world.client_for(world.admin), "tickets", "csv", unmask="1").content.decode(
            "utf-8-sig"
        )
    assert full_id in plain
    record = next(r for r in caplog.records if r.name == "awn.analytics.exports")
    assert record.unmasked is True and record.user_id == world.admin.pk and record.table == "tickets"


@pytest.mark.django_db
def test_a_name_that_looks_like_a_formula_stays_text(world: Any) -> None:
    from awn.crm.services import contact_create

    sly = contact_create(name='=HYPERLINK("http://example.com","x")', phone="0557654321")
    ticket = world.ticket(requester=sly)
    ticket_add_message(ticket=ticket, body="تم", actor=world.agent)
    client = world.client_for(world.supervisor)
    rows = list(csv.reader(io.StringIO(export(client, "tickets", "csv").content.decode("utf-8-sig"))))
    assert rows[1][6].startswith("'=")  # the requester, after the created date and its Hijri date
    sheet = load_workbook(io.BytesIO(export(client, "tickets", "xlsx").content)).active
    assert sheet is not None
    cell = sheet["G2"]
    assert cell.data_type == "s" and str(cell.value).startswith("'=")


@pytest.mark.django_db
def test_the_tickets_csv_has_the_hijri_date_beside_the_gregorian_one(world: Any) -> None:
    """Issue 13, defect 8: an export cell in the one format of awn.core.formatting, beside a machine-readable date."""
    from datetime import UTC

    from awn.analytics.models import TicketFact

    ticket = world.ticket()
    TicketFact.objects.filter(ticket_id=ticket.pk).update(created_at=datetime(2027, 3, 9, 6, 0, tzinfo=UTC))
    client = world.client_for(world.supervisor)
    rows = list(
        csv.reader(
            io.StringIO(
                export(client, "tickets", "csv", start="2027-03-01", end="2027-03-31").content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows[0][1:3] == ["تاريخ الإنشاء", "تاريخ الإنشاء (هجري)"]
    assert rows[1][1] == "2027-03-09 09:00:00" and rows[1][2] == "1 شوال 1448هـ"
