"""S2, server side: a stored-XSS corpus (generated here, >= 200 payloads) sent through the portal form, inbound
email (text and HTML parts, the sender's name), live chat (name and question) and a messaging channel (name and
text), then every agent page that shows them (queue rows, ticket pages) and the customer's portal page is parsed:
no executable markup may come from the payloads (no script, event handler, javascript:/data: URL, frame, object,
embed, SVG or MathML element beyond what the same page has for a harmless ticket)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections import Counter
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from awn.connectors.services import inbox_save
from awn.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# --- the corpus ----------------------------------------------------------------------------------------------

# Vectors with {js} where the script goes; each payload gets its own marker so a hit names its payload.
VECTORS = [
    "<script>{js}</script>",
    "<SCRIPT SRC=//xss.example/{js}.js></SCRIPT>",
    "<scr<script>ipt>{js}</scr</script>ipt>",
    "<img src=x onerror={js}>",
    '<img src=x onerror="{js}">',
    '<IMG SRC="javascript:{js};">',
    "<IMG SRC=JaVaScRiPt:{js}>",
    "<IMG SRC=`javascript:{js}`>",
    '<img src="jav&#x09;ascript:{js};">',
    '<img src="jav&#x0A;ascript:{js};">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{js}>",
    '<IMG """><SCRIPT>{js}</SCRIPT>">',
    "<svg onload={js}>",
    "<svg/onload={js}>",
    "<svg><script>{js}</script></svg>",
    "<svg><animate onbegin={js} attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:{js}"><text x=20 y=20>XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror={js}>",
    '<math href="javascript:{js}">CLICKME</math>',
    "<body onload={js}>",
    '<iframe src="javascript:{js}"></iframe>',
    '<iframe srcdoc="<script>{js}</script>"></iframe>',
    '<object data="javascript:{js}"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==" x="{js}">',
    '<a href="javascript:{js}">click</a>',
    '<a href="  javascript:{js}">click</a>',
    '<a href="data:text/html,<script>{js}</script>">x</a>',
    '<a href="vbscript:{js}">x</a>',
    "<details open ontoggle={js}>",
    "<xmp><script>{js}</script></xmp>",
    '<noscript><p title="</noscript><img src=x onerror={js}>">',
    "<input autofocus onfocus={js}>",
    "<select autofocus onfocus={js}>",
    "<textarea autofocus onfocus={js}>",
    '<video><source onerror="{js}">',
    "<audio src=x onerror={js}>",
    "<marquee onstart={js}>",
    '<div style="background:url(javascript:{js})">',
    '<div style="width:expression({js})">',
    '<form action="javascript:{js}"><button>x</button></form>',
    '<button formaction="javascript:{js}">x</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:{js}">',
    '<base href="javascript:{js}//">',
    '<link rel=stylesheet href="javascript:{js}">',
    "<style>@import 'javascript:{js}';</style>",
    '"><script>{js}</script>',
    "'><img src=x onerror={js}>",
    "</textarea><script>{js}</script>",
    "</title><script>{js}</script>",
    '<!--<img src="--><img src=x onerror={js}//">',
    "<![CDATA[<script>{js}</script>]]>",
    "{{{{7*7}}}}<img src=x onerror={js}>",
    "${{{js}}}<script>{js}</script>",
    "\u202e<script>{js}</script>\u202c",  # right-to-left override around the markup
    "\u2067<img src=x onerror={js}>\u2069",  # a first-strong isolate
    "مرحبا <img src=x onerror={js}> شكرا",  # inside Arabic text
]
WRAPPERS = [
    "{v}",
    "السلام عليكم {v}",
    "{v} ولي أمر",
    "%3C{v}",  # a stray URL-encoded bracket in front
    "<p>{v}</p>",
]


def corpus() -> list[tuple[str, str]]:
    """(marker, payload) pairs: every vector in every wrapper, each with its own alert(marker)."""
    payloads = []
    for v_index, vector in enumerate(VECTORS):
        for w_index, wrapper in enumerate(WRAPPERS):
            marker = f"XSS{v_index:02d}{w_index}"
            payloads.append((marker, wrapper.format(v=vector.replace("{js}", f"alert('{marker}')"))))
    return payloads


CORPUS = corpus()
CHUNK = 24


def chunks() -> list[list[tuple[str, str]]]:
    return [CORPUS[i : i + CHUNK] for i in range(0, len(CORPUS), CHUNK)]


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 200
    assert len({payload for _m, payload in CORPUS}) == len(CORPUS)
    assert len({m for m, _p in CORPUS}) == len(CORPUS)


# --- what is executable in a page ---------------------------------------------------------------------------

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "srcdoc",
    "background",
    "poster",
}
# Elements that run, load or restyle something by themselves. Form controls, images and links are page chrome
# that varies from ticket to ticket; what would make them dangerous (a handler, a javascript: URL) is checked
# on every element.
ACTIVE_TAGS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "svg",
    "math",
    "meta",
    "link",
    "style",
    "video",
    "audio",
    "marquee",
    "template",
    "noscript",
    "xmp",
    "plaintext",
}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.I)
CONTROL = re.compile(r"[\x00-\x20\x7f`'\"]+")  # what browsers (or old ones) skip before a scheme


class PageScan(HTMLParser):
    """What a browser would run or load from this markup: handlers, script bodies, URLs, active elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.handlers: list[tuple[str, str, str]] = []
        self.bad_urls: list[tuple[str, str, str]] = []
        self.script_bodies: list[str] = []
        self.tags: Counter[str] = Counter()
        self.script_srcs: Counter[str] = Counter()
        self.styles: list[str] = []
        self._in_script = False
        self._script: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag in ACTIVE_TAGS:
            self.tags[tag] += 1
        for name, value in attrs:
            name, value = name.lower(), value or ""
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in URL_ATTRIBUTES and BAD_SCHEME.match(CONTROL.sub("", value)):
                self.bad_urls.append((tag, name, value))
            if name == "style" and re.search(r"expression\(|javascript:|url\(", value, re.I):
                self.styles.append(value)
        if tag == "script":
            self.script_srcs[dict(attrs).get("src") or "<inline>"] += 1
            self._in_script, self._script = True, []

    handle_startendtag = handle_starttag

    def unknown_decl(self, data: str) -> None:
        # `<![CDATA[…]]>` in HTML is a bogus comment that ends at the first `>`: a browser parses the rest as
        # markup. Read the inside as markup too, so this scanner is never more lenient than a browser.
        if data.upper().startswith("CDATA["):
            inner = scan(data[6:])
            self.handlers += inner.handlers
            self.bad_urls += inner.bad_urls
            self.script_bodies += inner.script_bodies
            self.styles += inner.styles
            self.tags += inner.tags
            self.script_srcs += inner.script_srcs

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() == "script" and self._in_script:
            self.script_bodies.append("".join(self._script))
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._script.append(data)


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def assert_nothing_executable(page: str, baseline: PageScan, where: str) -> None:
    found = scan(page)
    assert found.handlers == baseline.handlers, (where, found.handlers[:5])
    assert found.bad_urls == [], (where, found.bad_urls[:5])
    assert found.styles == baseline.styles, (where, found.styles[:5])
    assert not [b for b in found.script_bodies if "XSS" in b], where
    assert found.script_srcs == baseline.script_srcs, (where, found.script_srcs - baseline.script_srcs)
    extra = {tag: n - baseline.tags[tag] for tag, n in found.tags.items() if n > baseline.tags[tag]}
    assert extra == {}, (where, extra)


# --- the channels ---------------------------------------------------------------------------------------------

MAIL_SECRET = "xss-relay-secret"
FAKE_SECRET = "xss-fake-secret"


@pytest.fixture(autouse=True)
def _inline_jobs(settings: Any) -> None:
    settings.AWN_TASKS_MODE = "sync"
    settings.AWN_ASSISTANT_FIRST_CHANNELS = ()


def _post_signed(url: str, body: bytes, header: str, signature: str, capture: Any) -> Any:
    with capture(execute=True):
        return Client().post(url, data=body, content_type="application/json", headers={header: signature})


def _portal(world: Any, part: list[tuple[str, str]], index: int) -> None:
    client = world.client_for(world.parent_user)
    form = {
        "subject": part[0][1][:150],
        "category": "account_access",
        "about": "self",
        "body": "\n".join(p for _m, p in part),
    }
    assert client.post("/portal/tickets/new/", form).status_code == 302, index


def _encoded_word(text: str) -> str:
    """The whole display name as one RFC 2047 word, as mail clients send a name with markup or Arabic."""
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def _email(inbox: Any, part: list[tuple[str, str]], index: int, capture: Any) -> None:
    message = MIMEMultipart("alternative")
    message["From"] = f"{_encoded_word(part[2][1][:60])} <parent{index}@example.sa>"
    message["To"] = inbox.settings["from_address"]
    message["Subject"] = _encoded_word(part[1][1][:150])
    message["Message-ID"] = make_msgid(domain="example.sa")
    message.attach(MIMEText("\n".join(p for _m, p in part), "plain", "utf-8"))
    message.attach(MIMEText("<div dir=rtl>" + "<br>".join(p for _m, p in part) + "</div>", "html", "utf-8"))
    body = json.dumps({"mime": message.as_string()}).encode()
    signature = hmac.new(MAIL_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = _post_signed(f"/hooks/{inbox.uuid}/", body, "X-Awn-Mail-Signature", signature, capture)
    assert response.status_code == 200, (index, response.content[:300])


def _chat(part: list[tuple[str, str]], index: int) -> None:
    client = Client(REMOTE_ADDR=f"10.9.0.{index + 1}")
    response = client.post(
        "/chat/start/",
        data=json.dumps(
            {
                "name": part[3][1][:60],
                "email": f"v{index}@example.sa",
                "question": "\n".join(p for _m, p in part),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, (index, response.content[:300])


def _channel(inbox: Any, part: list[tuple[str, str]], index: int, capture: Any) -> None:
    event = {
        "id": f"xss-{index}",
        "from": f"96650{index:07d}",
        "name": part[4][1][:60],
        "text": "\n".join(p for _m, p in part),
    }
    body = json.dumps({"events": [event]}, ensure_ascii=False).encode()
    signature = hmac.new(FAKE_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert (
        _post_signed(f"/hooks/{inbox.uuid}/", body, "X-Fake-Signature", signature, capture).status_code == 200
    )


def _send_everywhere(
    world: Any, part: list[tuple[str, str]], index: int, email: Any, fake: Any, capture: Any
) -> None:
    _portal(world, part, index)
    _email(email, part, index, capture)
    _chat(part, index)
    _channel(fake, part, index, capture)


def test_no_payload_becomes_executable_markup_on_the_agent_and_portal_pages(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    email_inbox = inbox_save(
        inbox=None,
        name="بريد",
        kind="email",
        settings={"from_address": "support@awn.example"},
        secrets={"relay_secret": MAIL_SECRET},
    )
    fake_inbox = inbox_save(inbox=None, name="قناة", kind="fake", secrets={"signing_secret": FAKE_SECRET})

    # Baselines: the same pages for a harmless ticket from each channel.
    agent = world.client_for(world.supervisor)
    harmless = [(f"H{i}", text) for i, text in enumerate(["طلب عادي", "نص عادي", "سارة", "منى", "فهد"])]
    _send_everywhere(world, harmless, 99, email_inbox, fake_inbox, capture)
    ticket_baselines = {
        t.channel: scan(agent.get(f"/workspace/tickets/{t.pk}/").content.decode())
        for t in Ticket.objects.all()
    }
    assert len(ticket_baselines) == 4, ticket_baselines.keys()
    queue_baseline = scan(agent.get("/workspace/?queue=all").content.decode())
    portal_ticket = Ticket.objects.get(channel="portal")
    portal_baseline = scan(
        world.client_for(world.parent_user).get(f"/portal/tickets/{portal_ticket.pk}/").content.decode()
    )
    before = set(Ticket.objects.values_list("pk", flat=True))

    for index, part in enumerate(chunks()):
        _send_everywhere(world, part, index, email_inbox, fake_inbox, capture)

    new = Ticket.objects.exclude(pk__in=before).order_by("pk")
    channels = Counter(new.values_list("channel", flat=True))
    from awn.connectors.models import InboundEvent

    events = list(InboundEvent.objects.values_list("status", "last_error"))
    assert sum(channels.values()) == 4 * len(chunks()), (channels, events)
    rendered = ""
    for ticket in new:
        page = agent.get(f"/workspace/tickets/{ticket.pk}/").content.decode()
        assert_nothing_executable(
            page, ticket_baselines[ticket.channel], f"ticket {ticket.pk} ({ticket.channel})"
        )
        rendered += page
    for page_number in range(1, len(new) // 25 + 2):
        page = agent.get(f"/workspace/?queue=all&page={page_number}").content.decode()
        assert_nothing_executable(page, queue_baseline, f"queue page {page_number}")
        rendered += page
    parent = world.client_for(world.parent_user)
    for ticket in new.filter(requester=world.parent):
        page = parent.get(f"/portal/tickets/{ticket.pk}/").content.decode()
        assert_nothing_executable(page, portal_baseline, f"portal ticket {ticket.pk}")
    # The payloads did reach the pages (as text): the test looked at them, not at an empty page.
    shown = sum(marker in rendered for marker, _p in CORPUS)
    assert shown == len(CORPUS), f"{len(CORPUS) - shown} payloads never shown"


def _flagged(found: PageScan) -> bool:
    return bool(
        found.handlers
        or found.bad_urls
        or found.styles
        or found.script_srcs
        or found.tags
        or found.script_bodies
    )


# Inert even raw (a browser reads a tag named "scr<script"): aimed at filters that strip tags, like nh3's path.
INERT_RAW = {f"XSS{VECTORS.index('<scr<script>ipt>{js}</scr</script>ipt>'):02d}"}


def test_the_scanner_flags_every_payload_when_it_is_not_escaped() -> None:
    """The check above can fail: each payload, pasted raw into a page, is caught by the scanner."""
    missed = [
        payload
        for marker, payload in CORPUS
        if marker[:5] not in INERT_RAW and not _flagged(scan(f"<div>{payload}</div>"))
    ]
    assert missed == []
