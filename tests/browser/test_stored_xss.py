"""S2 in a real browser (the corpus: tests/reliability/test_stored_xss.py), on a sample: one payload per vector of the corpus (57) sent through the portal form, live
chat and a messaging channel, then the agent's ticket pages and queue opened in headless Chromium (Debian's), as
the supervisor. Passes with 0 JavaScript dialogs, 0 console lines naming a payload, and 0 event-handler
attributes, payload scripts, frames, objects or embeds in the live DOM (after the page's own scripts ran)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, ConsoleMessage, Dialog

from awn.connectors.services import inbox_save
from awn.tickets.models import Ticket
from tests.browser.pages import arabic_context, sign_in
from tests.reliability.test_stored_xss import CORPUS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAMPLE = [(m, p) for m, p in CORPUS if m.endswith("0")]  # every vector, bare
SECRET = "xss-chromium-secret"

DOM_PROBE = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
      if (/^(href|src|action|formaction|xlink:href|data)$/.test(attr.name) &&
          /^\\s*(javascript|vbscript|data):/i.test(attr.value)) found.push(el.tagName + ' ' + attr.name + ' url');
    }
  }
  for (const s of document.querySelectorAll('script')) if ((s.textContent || '').includes('XSS')) found.push('script');
  for (const tag of ['iframe', 'object', 'embed', 'frame', 'base'])
    for (const el of document.querySelectorAll(tag)) found.push(tag);
  return found;
}"""


def test_a_sample_of_the_corpus_runs_nothing_in_chromium(
    chromium: Browser,
    live_server: Any,
    world: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.AWN_TASKS_MODE = "sync"
    settings.AWN_ASSISTANT_FIRST_CHANNELS = ()
    assert len(SAMPLE) >= 50
    text = "\n".join(p for _m, p in SAMPLE)
    parent = world.client_for(world.parent_user)
    form = {"subject": SAMPLE[3][1][:150], "category": "account_access", "about": "self", "body": text}
    assert parent.post("/portal/tickets/new/", form).status_code == 302
    chat = Client().post(
        "/chat/start/",
        data=json.dumps({"name": SAMPLE[12][1][:60], "email": "v@example.sa", "question": text}),
        content_type="application/json",
    )
    assert chat.status_code == 200
    inbox = inbox_save(inbox=None, name="قناة", kind="fake", secrets={"signing_secret": SECRET})
    body = json.dumps(
        {"events": [{"id": "c1", "from": "966500000077", "name": SAMPLE[4][1][:60], "text": text}]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        hook = Client().post(
            f"/hooks/{inbox.uuid}/",
            data=body.encode(),
            content_type="application/json",
            headers={
                "X-Fake-Signature": hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
            },
        )
    assert hook.status_code == 200
    tickets = list(Ticket.objects.order_by("pk"))
    assert len(tickets) == 3

    dialogs: list[str] = []
    console: list[str] = []
    context = arabic_context(chromium, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        console.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    sign_in(page, live_server.url, "supervisor")
    findings = {}
    for url in [*(f"/workspace/tickets/{t.pk}/" for t in tickets), "/workspace/?queue=all"]:
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # timers a payload might set
        findings[url] = page.evaluate(DOM_PROBE)
        assert page.content().count("XSS") > 0 or url.startswith("/workspace/?"), (
            url
        )  # the payloads are there
    context.close()
    assert dialogs == []
    assert [line for line in console if "XSS" in line] == []
    assert {url: found for url, found in findings.items() if found} == {}
