"""Results day as parents live it (issue 19 item 4, RELIABILITY's load test): each simulated parent signs in on the
portal, then, with a few seconds of thought between steps, looks at their tickets, opens one, asks the assistant a
question from the portal's form and, now and then, sends a ticket. Run by bench/load.py (locust, headless).

Users come from the file that bench/load.py wrote (BENCH_LOAD_USERS): one parent account each, with two tickets.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from itertools import count
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

USERS: list[dict[str, Any]] = json.loads(Path(os.environ["BENCH_LOAD_USERS"]).read_text(encoding="utf-8"))
_NEXT = count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TICKET_PAGE = re.compile(r"/portal/tickets/\d+/$")
ANSWERED = 'data-testid="assistant-answer"'
# Questions parents ask on results day (written for this benchmark, not taken from any evaluation file).
QUESTIONS = [
    ("لا تظهر نتيجة ابني", "دخلت على النظام ولا تظهر نتيجة الفصل الدراسي لابني، ماذا أفعل؟"),
    ("نسيت كلمة المرور", "نسيت كلمة المرور ولا يصلني رمز التحقق على الجوال"),
    ("طباعة الشهادة", "كيف أطبع شهادة ابنتي بعد ظهور النتائج؟"),
    ("خطأ في الدرجات", "درجة مادة الرياضيات في الشهادة غير صحيحة وأريد مراجعتها"),
    ("ربط الطالب بولي الأمر", "كيف أضيف ابني الثاني إلى حسابي في نور؟"),
    ("الحساب مقفل", "حسابي مقفل بعد محاولات دخول كثيرة"),
]


# A parent sends a few forms, not one every few seconds: at most this many per 10 minutes (the portal itself
# refuses more than 20 an hour from one person with a 429, which the first run of this benchmark counted as errors).
FORMS_PER_10_MINUTES = 3


class Parent(HttpUser):
    wait_time = between(1, 4)

    def on_start(self) -> None:
        self.me = USERS[next(_NEXT) % len(USERS)]
        self.started = time.monotonic()
        self.forms_sent = 0
        page = self.client.get("/accounts/login/", name="sign-in page")
        token = CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.me["username"],
                "password": self.me["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "next": "/portal/",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="sign in",
            catch_response=True,
        ) as response:
            if "/portal/" in (response.url or ""):
                response.success()
            else:
                response.failure(f"not signed in: {response.url}")

    @task(4)
    def my_tickets(self) -> None:
        self.client.get("/portal/", name="portal home (my tickets)")

    @task(3)
    def one_ticket(self) -> None:
        self.client.get(f"/portal/tickets/{random.choice(self.me['tickets'])}/", name="portal ticket")

    @task(2)
    def ask_the_assistant(self) -> None:
        subject, body = random.choice(QUESTIONS)
        self._post_ticket_form(subject, body, declined=False, name="ask the assistant (portal form)")

    @task(1)
    def send_a_ticket(self) -> None:
        subject, body = random.choice(QUESTIONS)
        self._post_ticket_form(subject, body, declined=True, name="create a ticket")

    def _may_send_a_form(self) -> bool:
        allowed = FORMS_PER_10_MINUTES * (1 + int((time.monotonic() - self.started) // 600))
        return self.forms_sent < allowed

    def _post_ticket_form(self, subject: str, body: str, *, declined: bool, name: str) -> None:
        if not self._may_send_a_form():
            self.my_tickets()
            return
        self.forms_sent += 1
        form = self.client.get("/portal/tickets/new/", name="new ticket form")
        token = CSRF.search(form.text)
        data = {
            "subject": subject,
            "body": body,
            "category": "results_certificates",
            "about": "self",
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
        if declined:
            data["assistant_declined"] = "1"
        with self.client.post(
            "/portal/tickets/new/",
            data=data,
            headers={"Referer": f"{self.host}/portal/tickets/new/"},
            name=name,
            catch_response=True,
        ) as response:
            # A form shown again with an error is a 200 too: only a ticket page (sent, or handed to a person) or
            # the assistant's answer counts as done.
            if TICKET_PAGE.search(response.url or "") or (not declined and ANSWERED in response.text):
                response.success()
            else:
                response.failure(f"neither a ticket nor an answer: {response.url}")
