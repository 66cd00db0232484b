"""Every write of live chat: start, visitor and agent lines, the assistant's turn, queue, accept, transfer,
close. Pushes to sockets leave after commit, through awn.realtime."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from awn.accounts.models import Team, User
from awn.accounts.policies import is_staff_member, is_supervisor
from awn.connectors.services import web_chat_name, web_chat_open
from awn.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from awn.core.events import publish
from awn.crm.models import Contact
from awn.crm.services import contact_create
from awn.crm.validators import clean_email, clean_phone
from awn.notifications.services import notification_enqueue
from awn.realtime import services as realtime
from awn.realtime.groups import (
    CHAT_AGENTS_GROUP,
    chat_visitor_group,
    chat_watchers_group,
    user_group,
)
from awn.routing import selectors as routing_selectors
from awn.routing.services import offer_taken, routing_hold, routing_release
from awn.tickets.attachments import IncomingFile
from awn.tickets.enums import Channel, MessageKind, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.policies import can_work_ticket
from awn.tickets.services import ticket_add_message, ticket_create, ticket_update

from .enums import ChatStatus, Sender
from .events import ChatStarted
from .models import AgentPresence, Line, LiveSession
from .offline import offline_notice
from .text import clean_text, has_content

CHAT = "chat"  # the agent socket's live chat protocol (consumers.ChatProtocol) takes pushes marked so
TOKEN_SALT = "awn.chat.visitor"  # noqa: S105 - a signing namespace, not a secret
PRESENCE_SECONDS = 90
# Estimated wait = queue position × average handle time ÷ agents online (at least one). The average handle
# time is taken over the last HANDLE_SAMPLE chats an agent accepted and closed; DEFAULT_HANDLE_SECONDS before
# there are any.
HANDLE_SAMPLE = 50
DEFAULT_HANDLE_SECONDS = 180
# A flood of visitor messages is refused: at most RATE_MESSAGES in any RATE_WINDOW_SECONDS window.
RATE_MESSAGES = 8
RATE_WINDOW_SECONDS = 10
QUEUE_CHECK_SECONDS = 30.0
NAME_MAX = 120
TEXT_MAX = 4000


# ---- tokens -------------------------------------------------------------------------------------------------


def token_for(conversation: LiveSession) -> str:
    return signing.dumps([conversation.pk, conversation.key], salt=TOKEN_SALT, compress=False)


def conversation_for_token(token: str) -> LiveSession | None:
    try:
        pk, key = signing.loads(token, salt=TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    conversation = LiveSession.objects.select_related("thread__ticket").filter(pk=pk).first()
    if conversation is None or not constant_time_compare(str(key), conversation.key):
        return None
    return conversation


def rate_ok(conversation_id: int) -> bool:
    window = int(timezone.now().timestamp()) // RATE_WINDOW_SECONDS
    key = f"chat-rate:{conversation_id}:{window}"
    cache.add(key, 0, RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count <= RATE_MESSAGES


# ---- shapes sent to sockets ----------------------------------------------------------------------------------


def line_json(line: Line) -> dict[str, Any]:
    return {
        "id": line.pk,
        "sender": line.sender,
        "body": line.body,
        "name": line.author_name,
        "at": line.created_at.isoformat(),
        "handoff": line.handoff,
        "article": line.article_id,
        "attachment": line.attachment.filename if line.attachment_id and line.attachment else "",
        "attachment_id": line.attachment_id,
    }


def chat_summary(conversation: LiveSession) -> dict[str, Any]:
    ticket = conversation.ticket
    agent = conversation.agent
    return {
        "id": conversation.pk,
        "ticket_id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "name": conversation.visitor_name,
        "status": conversation.status,
        "status_label": str(conversation.get_status_display()),
        "category": ticket.category,
        "team_id": conversation.team_id,
        "agent_id": conversation.agent_id,
        "agent_name": (agent.get_full_name() or agent.username) if agent else "",
        "offline": conversation.offline,
        "offered_to": ticket.assignee_id if conversation.status == ChatStatus.QUEUED else None,
    }


@dataclass(frozen=True)
class QueueInfo:
    position: int
    agents_online: int
    handle_seconds: float
    wait_seconds: int


def agents_online() -> int:
    since = timezone.now() - timedelta(seconds=PRESENCE_SECONDS)
    # Connected, and not away or offline in routing's presence (an agent who never set a state counts).
    present = AgentPresence.objects.filter(seen_at__gte=since)
    present = present.exclude(user_id__in=routing_selectors.unavailable_user_ids())
    return present.values("user_id").distinct().count()


def average_handle_seconds() -> float:
    cached = cache.get("chat-aht")
    if cached is not None:
        return float(cached)
    rows = list(
        LiveSession.objects.filter(
            status=ChatStatus.CLOSED, accepted_at__isnull=False, closed_at__isnull=False
        )
        .order_by("-closed_at")
        .values_list("accepted_at", "closed_at")[:HANDLE_SAMPLE]
    )
    spans = [(closed - accepted).total_seconds() for accepted, closed in rows if accepted and closed]
    value = sum(spans) / len(spans) if spans else float(DEFAULT_HANDLE_SECONDS)
    cache.set("chat-aht", value, 30)
    return value


def queue_info(conversation: LiveSession) -> QueueInfo | None:
    if conversation.status != ChatStatus.QUEUED or conversation.queued_at is None:
        return None
    ahead = LiveSession.objects.filter(status=ChatStatus.QUEUED, queued_at__lt=conversation.queued_at).count()
    position = ahead + 1
    online = agents_online()
    handle = average_handle_seconds()
    return QueueInfo(position, online, handle, math.ceil(position * handle / max(online, 1)))


def queue_text(position: int, wait_seconds: int, language: str) -> str:
    """ "You are number 2 in the queue…" with the minutes in the right Arabic plural form."""
    minutes = max(1, math.ceil(wait_seconds / 60))
    with translation.override(language):
        wait = ngettext("about %(n)d minute", "about %(n)d minutes", minutes) % {"n": minutes}
        return _("You are number %(position)d in the queue. Estimated wait: %(wait)s.") % {
            "position": position,
            "wait": wait,
        }


def status_json(conversation: LiveSession) -> dict[str, Any]:
    if conversation.offline and conversation.status == ChatStatus.QUEUED:
        with translation.override(conversation.language):
            notice = offline_notice(conversation)
        return {
            "type": "status",
            "status": conversation.status,
            "offline": True,
            "reference": conversation.ticket.reference,
            "agent": "",
            "position": None,
            "wait_seconds": None,
            "queue_text": notice,
        }
    info = queue_info(conversation)
    return {
        "type": "status",
        "status": conversation.status,
        "offline": conversation.offline,
        "reference": conversation.ticket.reference,
        "agent": (conversation.agent.get_full_name() or conversation.agent.username)
        if conversation.agent
        else "",
        "position": info.position if info else None,
        "wait_seconds": info.wait_seconds if info else None,
        "queue_text": queue_text(info.position, info.wait_seconds, conversation.language) if info else "",
    }


def visitor_snapshot(conversation_id: int) -> dict[str, Any]:
    conversation = LiveSession.objects.select_related("thread__ticket", "agent").get(pk=conversation_id)
    lines = conversation.lines.select_related("attachment").order_by("id")
    return {
        "type": "history",
        "lines": [line_json(line) for line in lines],
        "status": status_json(conversation),
    }


# ---- pushes ------------------------------------------------------------------------------------------------


def _push_line(conversation: LiveSession, line: Line) -> None:
    data = {"type": "line", "conversation": conversation.pk, "line": line_json(line)}
    realtime.push(chat_visitor_group(conversation.pk), data)
    realtime.push(chat_watchers_group(conversation.pk), data, protocol=CHAT)


def _push_state(conversation: LiveSession) -> None:
    """The visitor's status and the agents' row of this chat; then every queued visitor's new position."""
    conversation = LiveSession.objects.select_related("thread__ticket", "agent").get(pk=conversation.pk)
    realtime.push(chat_visitor_group(conversation.pk), status_json(conversation))
    realtime.push(
        CHAT_AGENTS_GROUP,
        {"type": "chat", "chat": chat_summary(conversation)},
        protocol=CHAT,
        category=conversation.ticket.category,
        team_id=conversation.ticket.team_id,
    )
    transaction.on_commit(_push_queue_positions)


def _push_queue_positions() -> None:
    queued = (
        LiveSession.objects.select_related("thread__ticket")
        .filter(status=ChatStatus.QUEUED)
        .order_by("queued_at")
    )
    online = agents_online()
    handle = average_handle_seconds()
    for position, conversation in enumerate(queued[:500], start=1):
        if conversation.offline:
            continue  # told how and when it will be answered; no countdown
        wait = math.ceil(position * handle / max(online, 1))
        realtime.send_now(
            chat_visitor_group(conversation.pk),
            {
                "type": "status",
                "status": conversation.status,
                "offline": False,
                "reference": conversation.ticket.reference,
                "agent": "",
                "position": position,
                "wait_seconds": wait,
                "queue_text": queue_text(position, wait, conversation.language),
            },
        )


def _system_line(conversation: LiveSession, text: str) -> Line:
    line = Line.objects.create(conversation=conversation, sender=Sender.SYSTEM, body=text)
    _push_line(conversation, line)
    return line


def _lock(conversation_id: int) -> LiveSession:
    conversation = (
        LiveSession.objects.select_for_update(of=("self",))
        .select_related("thread__ticket", "agent")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound()
    return conversation


# ---- visitor side -------------------------------------------------------------------------------------------


def _find_or_create_contact(name: str, email: str, phone: str, language: str) -> Contact:
    query = Contact.objects.filter(merged_into__isnull=True).order_by("pk")
    found = None
    if email:
        found = query.filter(email__iexact=email).first()
    if found is None and phone:
        found = query.filter(phone=phone).first()
    return found or contact_create(name=name, email=email, phone=phone, language=language)


@transaction.atomic
def chat_start(
    *, name: str, email: str = "", phone: str = "", question: str, language: str = "ar"
) -> LiveSession:
    """The pre-chat form: who is writing (name, and a phone or an email) and the first question."""
    name = clean_text(name)[:NAME_MAX]
    if not name:
        raise ValidationError(_("Please write your name."), field="name")
    email = clean_email(email.strip())
    phone = clean_phone(phone.strip())
    if not email and not phone:
        raise ValidationError(_("Please give a phone number or an email address."), field="email")
    question = clean_text(question)[:TEXT_MAX]
    if not question:
        raise ValidationError(_("Please write your question."), field="question")
    language = language if language in ("ar", "en") else "ar"
    contact = _find_or_create_contact(name, email, phone, language)
    subject = question if len(question) <= 80 else question[:79] + "…"
    ticket = ticket_create(requester=contact, subject=subject, body=question, channel=Channel.CHAT)
    # The assistant talks first: routing leaves the chat alone (its category is not known yet, nobody is wanted)
    # until it is handed to a person (chat_request_human) or leaves the assistant another way.
    routing_hold(ticket.pk)
    # The web-chat connector opens the ticket's channel thread (a conversation of the web-chat inbox): it holds
    # the ticket and the contact; the live session below holds what the widget needs.
    thread = web_chat_open(ticket_id=ticket.pk, contact_id=contact.pk, address=email or phone)
    conversation = LiveSession.objects.create(
        thread=thread,
        key=secrets.token_urlsafe(24),
        visitor_name=name,
        visitor_email=email,
        visitor_phone=phone,
        language=language,
    )
    first = Message.objects.filter(ticket=ticket).order_by("pk").first()
    Line.objects.create(
        conversation=conversation, sender=Sender.VISITOR, body=question, author_name=name, message=first
    )
    web_chat_name(thread_id=thread.pk, chat_id=conversation.pk)
    publish(
        ChatStarted(
            ticket_id=ticket.pk, chat_id=conversation.pk, contact_id=contact.pk, address=email or phone
        )
    )
    return conversation


def chat_visitor_message(conversation_id: int, text: str, *, files: list[IncomingFile] | None = None) -> Line:
    text = clean_text(text)[:TEXT_MAX]
    if files and not text:
        text = "📎 " + ", ".join(f.name for f in files)
    if not text:
        raise ValidationError(_("The message is empty."), field="text")
    with transaction.atomic():
        conversation = _lock(conversation_id)
        if conversation.status == ChatStatus.CLOSED:
            raise ValidationError(_("This chat is closed."), field="text")
        message = ticket_add_message(
            ticket=conversation.ticket,
            body=text,
            actor=None,
            author_contact=conversation.contact,
            channel=Channel.CHAT,
            attachments=files,
        )
        line = Line.objects.create(
            conversation=conversation,
            sender=Sender.VISITOR,
            body=text,
            author_name=conversation.visitor_name,
            message=message,
            attachment=message.attachments.order_by("pk").first() if files else None,
        )
        _push_line(conversation, line)
    return line


def chat_bot_answer(conversation_id: int, question: str) -> Line | None:
    """The assistant answers first while the chat is with it: its line in the chat and its attempt on the ticket
    commit together (the first line's flow, assistant.first_line); on a handoff the chat goes to the queue."""
    from awn.assistant.first_line import first_line_ask, first_line_ticket

    conversation = LiveSession.objects.get(pk=conversation_id)
    if conversation.status != ChatStatus.BOT:
        return None
    if not has_content(question):
        return _ask_what_the_problem_is(conversation)
    with translation.override(conversation.language):
        result = first_line_ask(question)
        with transaction.atomic():
            conversation = _lock(conversation_id)
            if conversation.status != ChatStatus.BOT:
                return None
            line = Line.objects.create(
                conversation=conversation,
                sender=Sender.BOT,
                body=result.answer,
                author_name=_("Awn assistant"),
                article_id=result.article_id or "",
                handoff=result.handoff,
            )
            _push_line(conversation, line)
            first_line_ticket(conversation.ticket, attempt=result)
    if result.handoff:
        chat_request_human(conversation_id)
    return line


def _ask_what_the_problem_is(conversation: LiveSession) -> Line:
    """A greeting, a thank-you or a bare "help": no article is chosen for words the message does not contain."""
    with translation.override(conversation.language), transaction.atomic():
        line = Line.objects.create(
            conversation=conversation,
            sender=Sender.BOT,
            body=_(
                "Hello! Tell me in a few words what the problem is (for example: I forgot my password, or my "
                "child does not appear in my account) and I will find the answer, or a person if needed."
            ),
            author_name=_("Awn assistant"),
        )
        _push_line(conversation, line)
    return line


def chat_first_answer(conversation_id: int) -> Line | None:
    """The assistant's answer to the pre-chat question; none when the chat's ticket was linked to a problem as it
    was created (an active incident's automatic reply is the first answer, as a line of its own)."""
    if LiveSession.objects.filter(pk=conversation_id, thread__ticket__problem__isnull=False).exists():
        return None
    first = Line.objects.filter(conversation_id=conversation_id, sender=Sender.VISITOR).order_by("id").first()
    return chat_bot_answer(conversation_id, first.body) if first else None


def _go_offline(conversation: LiveSession) -> None:
    """No agent online: the chat stays open and queued (the first agent back takes it), its ticket stays open for
    the team, and the visitor is told how and when they will be answered (issue 13, defect 7)."""
    now = timezone.now()
    queued_at = conversation.queued_at or now
    LiveSession.objects.filter(pk=conversation.pk).update(
        status=ChatStatus.QUEUED, offline=True, queued_at=queued_at, agent=None
    )
    conversation.status, conversation.offline, conversation.queued_at = ChatStatus.QUEUED, True, queued_at
    with translation.override(conversation.language):
        _system_line(conversation, offline_notice(conversation, now))


def chat_request_human(conversation_id: int) -> LiveSession:
    """Queue the chat for an agent; with no agent online it stays an open ticket answered by email/portal."""
    with transaction.atomic():
        conversation = _lock(conversation_id)
        if conversation.status != ChatStatus.BOT:
            return conversation
        if agents_online() == 0:
            _go_offline(conversation)
        else:
            now = timezone.now()
            LiveSession.objects.filter(pk=conversation.pk).update(status=ChatStatus.QUEUED, queued_at=now)
            conversation.status, conversation.queued_at = ChatStatus.QUEUED, now
            with translation.override(conversation.language):
                _system_line(conversation, _("You are in the queue; an agent will join you shortly."))
        _push_state(conversation)
        # Offered to the best agent for its category once this commits: after the push above (pushes leave in
        # the order they were registered), so the panels' last word on the chat is whom it was offered to.
        routing_release(conversation.ticket.pk)
    return conversation


def chat_queue_check(conversation_id: int) -> bool:
    """A queued chat whose agents all went offline (signed out, closed the panel, crashed) tells its visitor how
    and when they will be answered instead of counting down for nobody. Run every QUEUE_CHECK_SECONDS by the
    visitor's own socket. True if it did."""
    with transaction.atomic():
        conversation = _lock(conversation_id)
        if conversation.status != ChatStatus.QUEUED or conversation.offline or agents_online() > 0:
            return False
        _go_offline(conversation)
        _push_state(conversation)
    return True


def _vote_last_answer(conversation: LiveSession, *, helpful: bool) -> None:
    """The visitor's "did this solve it?" counts on the article the assistant last answered from."""
    from awn.knowledge.models import Article
    from awn.knowledge.services import article_vote

    line = (
        Line.objects.filter(conversation=conversation, sender=Sender.BOT)
        .exclude(article_id="")
        .order_by("-id")
        .first()
    )
    article = Article.objects.filter(external_id=line.article_id).first() if line else None
    if article is not None:
        article_vote(article=article, helpful=helpful, session_key=f"chat:{conversation.pk}")


def chat_bot_declined(conversation_id: int) -> LiveSession:
    """The visitor says the answer did not solve it: a not-helpful vote, then a person."""
    conversation = LiveSession.objects.get(pk=conversation_id)
    if conversation.status == ChatStatus.BOT:
        _vote_last_answer(conversation, helpful=False)
    return chat_request_human(conversation_id)


def chat_bot_solved(conversation_id: int) -> LiveSession:
    """The visitor says the assistant's answer solved it: the chat and its ticket end there (deflection)."""
    with transaction.atomic():
        conversation = _lock(conversation_id)
        if conversation.status != ChatStatus.BOT:
            return conversation
        _vote_last_answer(conversation, helpful=True)
        with translation.override(conversation.language):
            _system_line(conversation, _("Glad we could help. This chat is now closed."))
        _close(conversation)
        if conversation.ticket.status not in (Status.RESOLVED, Status.CLOSED):
            ticket_update(ticket=conversation.ticket, actor=None, changes={"status": Status.RESOLVED})
    return conversation


# ---- agent side ---------------------------------------------------------------------------------------------


def _agent_conversation(conversation_id: int, agent: User) -> LiveSession:
    conversation = _lock(conversation_id)
    if not is_staff_member(agent) or not can_work_ticket(agent, conversation.ticket):
        raise NotFound()
    return conversation


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def chat_accept(conversation_id: int, agent: User) -> LiveSession:
    with transaction.atomic():
        conversation = _agent_conversation(conversation_id, agent)
        if conversation.status == ChatStatus.ASSIGNED and conversation.agent_id == agent.pk:
            return conversation
        if conversation.status not in (ChatStatus.QUEUED, ChatStatus.BOT):
            raise Conflict(_("Another agent already took this chat, or it is closed."))
        now = timezone.now()
        LiveSession.objects.filter(pk=conversation.pk).update(
            status=ChatStatus.ASSIGNED, agent=agent, accepted_at=now, offline=False
        )
        conversation.offline = False
        conversation.status, conversation.agent, conversation.accepted_at = ChatStatus.ASSIGNED, agent, now
        ticket_update(ticket=conversation.ticket, actor=agent, changes={"assignee_id": agent.pk})
        offer_taken(ticket_id=conversation.ticket.pk, agent_id=agent.pk, now=now)
        routing_release(conversation.ticket.pk)  # taken from the assistant by a person: nothing left to route
        with translation.override(conversation.language):
            _system_line(conversation, _("%(name)s joined the chat.") % {"name": _name(agent)})
        _push_state(conversation)
    return conversation


def chat_transfer(
    conversation_id: int, actor: User, *, to_agent_id: int | None = None, to_team_id: int | None = None
) -> LiveSession:
    """Hand the chat to another agent (who must cover it) or back to a team's queue."""
    with transaction.atomic():
        conversation = _agent_conversation(conversation_id, actor)
        if conversation.status == ChatStatus.CLOSED:
            raise ValidationError(_("This chat is closed."))
        if conversation.agent_id not in (None, actor.pk) and not is_supervisor(actor):
            raise PermissionDenied(_("Only the agent in this chat or a supervisor can transfer it."))
        ticket = conversation.ticket
        with translation.override(conversation.language):
            if to_agent_id is not None:
                target = User.objects.filter(pk=to_agent_id, is_active=True).first()
                if target is None or not is_staff_member(target) or not can_work_ticket(target, ticket):
                    raise ValidationError(_("That agent cannot take this chat."), field="agent")
                LiveSession.objects.filter(pk=conversation.pk).update(
                    status=ChatStatus.ASSIGNED, agent=target, accepted_at=timezone.now()
                )
                conversation.status, conversation.agent = ChatStatus.ASSIGNED, target
                ticket_update(ticket=ticket, actor=actor, changes={"assignee_id": target.pk})
                _system_line(
                    conversation, _("The chat was transferred to %(name)s.") % {"name": _name(target)}
                )
                realtime.push(
                    user_group(target.pk),
                    {"type": "assigned", "chat": chat_summary(conversation)},
                    protocol=CHAT,
                )
            elif to_team_id is not None:
                team = Team.objects.filter(pk=to_team_id).first()
                if team is None:
                    raise ValidationError(_("Unknown team."), field="team")
                now = timezone.now()
                LiveSession.objects.filter(pk=conversation.pk).update(
                    status=ChatStatus.QUEUED, agent=None, team=team, queued_at=now
                )
                conversation.status, conversation.agent, conversation.team = ChatStatus.QUEUED, None, team
                conversation.queued_at = now
                ticket_update(ticket=ticket, actor=actor, changes={"team_id": team.pk, "assignee_id": None})
                _system_line(
                    conversation, _("The chat was transferred to the team %(team)s.") % {"team": team.name}
                )
            else:
                raise ValidationError(_("Choose an agent or a team."), field="agent")
        _push_state(conversation)
    return conversation


def chat_routed(ticket_id: int) -> bool:
    """Skills routing offered a waiting chat's ticket to an agent (or took it back): the agents' panels learn it
    (the chosen agent gets the chat, the others drop it). True if the ticket is a queued live chat."""
    conversation = LiveSession.objects.filter(thread__ticket_id=ticket_id, status=ChatStatus.QUEUED).first()
    if conversation is None:
        return False
    _push_state(conversation)
    return True


def chats_return_to_queue(agent_id: int) -> int:
    """The agent went offline (routing's presence): every chat in their hands goes back to the line at the place
    it had (its queued_at is kept), with a line telling the visitor. Returns how many."""
    returned = 0
    ids = list(
        LiveSession.objects.filter(agent_id=agent_id, status=ChatStatus.ASSIGNED).values_list("pk", flat=True)
    )
    for conversation_id in ids:
        with transaction.atomic():
            conversation = _lock(conversation_id)
            if conversation.status != ChatStatus.ASSIGNED or conversation.agent_id != agent_id:
                continue
            queued_at = conversation.queued_at or conversation.created_at
            LiveSession.objects.filter(pk=conversation.pk).update(
                status=ChatStatus.QUEUED, agent=None, queued_at=queued_at
            )
            conversation.status, conversation.agent, conversation.queued_at = (
                ChatStatus.QUEUED,
                None,
                queued_at,
            )
            ticket_update(ticket=conversation.ticket, actor=None, changes={"assignee_id": None})
            with translation.override(conversation.language):
                _system_line(
                    conversation,
                    _("The agent is no longer available. You are back in the queue at your place."),
                )
            _push_state(conversation)
            returned += 1
    return returned


def chat_agent_reply(
    conversation_id: int, agent: User, text: str, *, files: list[IncomingFile] | None = None
) -> Line:
    text = clean_text(text)[:TEXT_MAX]
    if files and not text:
        text = "📎 " + ", ".join(f.name for f in files)
    if not text:
        raise ValidationError(_("The message is empty."), field="text")
    with transaction.atomic():
        conversation = _agent_conversation(conversation_id, agent)
        if conversation.status != ChatStatus.ASSIGNED or conversation.agent_id != agent.pk:
            raise PermissionDenied(_("Accept this chat before you reply."))
        message = ticket_add_message(
            ticket=conversation.ticket, body=text, actor=agent, channel=Channel.CHAT, attachments=files
        )
    # The line was written, and pushed on commit, by the ReplySent reaction (chat_line_for_reply), as for a reply
    # written on the ticket page.
    return Line.objects.get(message=message)


def chat_line_for_reply(message_id: int) -> Line | None:
    """A public reply to a live chat's ticket, written in the chat or on the ticket page, becomes the chat's line
    (in the reply's transaction) and reaches the visitor's socket once it commits."""
    if Line.objects.filter(message_id=message_id).exists():
        return None  # a redelivered event
    message = Message.objects.select_related("author_user").filter(pk=message_id).first()
    if message is None or message.kind != MessageKind.REPLY:
        return None
    with transaction.atomic():
        conversation = (
            LiveSession.objects.select_for_update(of=("self",))
            .select_related("thread__ticket")
            .filter(thread__ticket_id=message.ticket_id)
            .exclude(status=ChatStatus.CLOSED)
            .first()
        )
        if conversation is None or Line.objects.filter(message_id=message.pk).exists():
            return None
        line = Line.objects.create(
            conversation=conversation,
            # No author: the system wrote it (an incident's automatic reply, a broadcast): the assistant's line.
            sender=Sender.AGENT if message.author_user else Sender.BOT,
            body=message.body,
            author_name=_name(message.author_user) if message.author_user else _("Awn assistant"),
            message=message,
            attachment=message.attachments.order_by("pk").first(),
        )
        _push_line(conversation, line)
    return line


def _close(conversation: LiveSession) -> None:
    now = timezone.now()
    LiveSession.objects.filter(pk=conversation.pk).update(status=ChatStatus.CLOSED, closed_at=now)
    conversation.status, conversation.closed_at = ChatStatus.CLOSED, now
    # Left while with the assistant: an unresolved ticket is the team's now, so routing may offer it.
    routing_release(conversation.ticket_id)
    _push_state(conversation)
    chat_send_transcript(conversation.pk)  # the outbox row commits with the close


def chat_close(conversation_id: int, *, agent: User | None = None, resolve: bool = True) -> LiveSession:
    """End the chat (the visitor, or the agent in it). An agent's close resolves the ticket by default."""
    with transaction.atomic():
        conversation = _agent_conversation(conversation_id, agent) if agent else _lock(conversation_id)
        if conversation.status == ChatStatus.CLOSED:
            return conversation
        if agent is not None and conversation.agent_id not in (None, agent.pk) and not is_supervisor(agent):
            raise PermissionDenied(_("Only the agent in this chat or a supervisor can close it."))
        with translation.override(conversation.language):
            who = _name(agent) if agent else conversation.visitor_name
            _system_line(conversation, _("%(name)s ended the chat.") % {"name": who})
        _close(conversation)
        if (
            agent is not None
            and resolve
            and conversation.ticket.status not in (Status.RESOLVED, Status.CLOSED)
        ):
            ticket_update(ticket=conversation.ticket, actor=agent, changes={"status": Status.RESOLVED})
    return conversation


def transcript_text(conversation: LiveSession) -> str:
    rows = []
    for line in conversation.lines.order_by("id"):
        when = timezone.localtime(line.created_at).strftime("%H:%M")
        who = line.author_name or str(line.get_sender_display())
        rows.append(f"[{when}] {who}: {line.body}")
    return "\n".join(rows)


def chat_send_transcript(conversation_id: int) -> bool:
    """Email the whole conversation to the visitor once, through the notifications outbox."""
    conversation = LiveSession.objects.select_related("thread__ticket").get(pk=conversation_id)
    if not conversation.visitor_email or conversation.transcript_sent:
        return False
    with translation.override(conversation.language):
        subject = _("[%(ref)s] Your chat transcript") % {"ref": conversation.ticket.reference}
        body = (
            _("Here is your conversation with Awn support.")
            + "\n\n"
            + transcript_text(conversation)
            + "\n\n"
            + _("Reply from the portal or answer this email.")
        )
    notification = notification_enqueue(
        dedupe_key=f"chat-transcript:{conversation.pk}",
        to_email=conversation.visitor_email,
        subject=subject,
        body=body,
        ticket_id=conversation.ticket_id,
    )
    LiveSession.objects.filter(pk=conversation.pk).update(transcript_sent=True)
    return notification is not None


# ---- presence -----------------------------------------------------------------------------------------------


def presence_join(user: User, channel_name: str) -> None:
    AgentPresence.objects.update_or_create(
        channel_name=channel_name, defaults={"user": user, "seen_at": timezone.now()}
    )


def presence_seen(channel_name: str) -> None:
    AgentPresence.objects.filter(channel_name=channel_name).update(seen_at=timezone.now())


def presence_leave(channel_name: str) -> None:
    AgentPresence.objects.filter(channel_name=channel_name).delete()
    stale = timezone.now() - timedelta(seconds=PRESENCE_SECONDS * 10)
    AgentPresence.objects.filter(seen_at__lt=stale).delete()


def ticket_of(conversation_id: int) -> Ticket:
    return LiveSession.objects.select_related("thread__ticket").get(pk=conversation_id).ticket


ERASED_TEXT = "[محذوف]"


@transaction.atomic
def chats_erase_contact(contact_id: int) -> int:
    """The reaction to crm's ContactErased: what the person typed in live chats and the name, email and phone
    they gave the widget are erased (a new key also ends every token they hold). Returns the lines erased."""
    conversations = LiveSession.objects.filter(thread__contact_id=contact_id)
    erased = Line.objects.filter(conversation__in=conversations, sender=Sender.VISITOR).update(
        body=ERASED_TEXT, author_name=""
    )
    for pk in conversations.values_list("pk", flat=True):
        LiveSession.objects.filter(pk=pk).update(
            visitor_name=ERASED_TEXT, visitor_email="", visitor_phone="", key=secrets.token_urlsafe(32)
        )
    return erased
