"""Customer portal: transport only. Reads go through tickets.policies.visible_tickets (a ticket outside it is a
404, never a 403), writes through tickets.services, whose DomainErrors are shown next to the form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.assistant.first_line import NewTicket, answers_alone, first_line_ask, first_line_ticket
from awn.core.errors import DomainError
from awn.core.ratelimit import limit_posts
from awn.crm.models import Contact
from awn.crm.selectors import children_ids
from awn.knowledge.selectors import visible_articles
from awn.knowledge.services import article_learn_question, article_vote
from awn.routing.selectors import ticket_wait
from awn.routing.text import wait_sentence
from awn.tickets import policies
from awn.tickets.audit import audit_ticket_read
from awn.tickets.enums import MessageKind
from awn.tickets.models import Attachment, Message, Ticket
from awn.tickets.services import ticket_add_message, ticket_rate

from .forms import RatingForm, ReplyForm, TicketForm, incoming_files

if TYPE_CHECKING:
    from awn.assistant.answering import AssistantAnswer

View = Callable[..., HttpResponse]


def customer_view(view: View) -> View:
    """Signed-in customers only: anonymous visitors go to sign-in, staff to their workspace."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_staff_member(request.user):  # type: ignore[arg-type]
            return redirect("workspace:queue")
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _contact(user: User) -> Contact | None:
    return getattr(user, "contact", None)


@customer_view
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    tickets = (
        policies.visible_tickets(user)
        .select_related("requester", "about_contact")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(tickets, settings.AWN_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/home.html",
        {"page_obj": page, "contact": _contact(user)},
    )


@customer_view
@limit_posts("portal-new-ticket", limit=20, window_seconds=3600)
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    contact = _contact(user)
    if contact is None:
        messages.error(request, _("Your account is not linked to a profile yet. Please contact support."))
        return redirect("portal:home")
    children = Contact.objects.filter(pk__in=children_ids(contact.pk), merged_into__isnull=True).only(
        "pk", "name"
    )
    form = TicketForm(request.POST or None, request.FILES or None, children=children)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        declined = bool(request.POST.get("assistant_declined"))
        attempt = None
        if declined or not data["attachments"]:
            question = f"{data['subject']}\n{data['body']}"
            attempt = first_line_ask(question)
            if not declined and answers_alone(attempt):
                # Answer first; the ticket is sent only if the customer says the answer did not solve it.
                context = {
                    "form": form,
                    "suggestion": attempt,
                    "solved_token": solved_token(question, attempt),
                }
                return render(request, "portal/ticket_new.html", context)
        new_ticket = NewTicket(
            requester=contact,
            subject=data["subject"],
            body=data["body"],
            category=data["category"],
            channel="portal",
            actor=user,
            about_contact=form.about_contact(),
            attachments=incoming_files(data["attachments"]),
        )
        try:
            ticket = first_line_ticket(new_ticket, attempt=attempt, declined=declined)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Your ticket %(reference)s was received. We will reply as soon as possible.")
                % {"reference": ticket.reference},
            )
            return redirect("portal:ticket", pk=ticket.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/ticket_new.html", {"form": form}, status=status)


@customer_view
@require_POST
def assistant_solved(request: HttpRequest) -> HttpResponse:
    """The customer says the assistant's answer solved the problem: no ticket; the article gets a helpful vote
    and learns the question as it was asked (only the question the assistant answered: it comes signed)."""
    article = visible_articles(_user(request)).filter(external_id=request.POST.get("article", "")).first()
    if article is not None:
        article_vote(article=article, helpful=True, user=_user(request))
        question = solved_question(request.POST.get("token", ""), article.external_id)
        if question:
            article_learn_question(article=article, question=question)
    messages.success(request, _("Glad that helped! Your question was not sent as a ticket."))
    return redirect("portal:home")


SOLVED_SALT = "awn.portal.assistant-solved"


def solved_token(question: str, attempt: AssistantAnswer) -> str:
    """The question and the article that answered it, signed: what «yes, it solved it» may teach the article."""
    return signing.dumps({"q": question, "a": attempt.article_id}, salt=SOLVED_SALT, compress=True)


def solved_question(token: str, article_id: str) -> str:
    """The signed question if the token is ours, recent and about this article; else ""."""
    try:
        data = signing.loads(token, salt=SOLVED_SALT, max_age=timedelta(hours=2))
    except signing.BadSignature:
        return ""
    if not isinstance(data, dict) or data.get("a") != article_id or not isinstance(data.get("q"), str):
        return ""
    return str(data["q"])


def _visible_ticket(user: User, pk: int) -> Ticket:
    return get_object_or_404(
        policies.visible_tickets(user).select_related("requester", "about_contact"), pk=pk
    )


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    rating_form: RatingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    public_messages = (
        Message.objects.filter(ticket_id=ticket.pk)
        .exclude(kind=MessageKind.NOTE)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    can_reply = policies.can_customer_reply(user, ticket)
    can_rate = policies.can_rate(user, ticket)
    context = {
        "ticket": ticket,
        "thread": public_messages,
        "contact": _contact(user),
        "can_reply": can_reply,
        "can_rate": can_rate,
        "reply_form": reply_form or (ReplyForm() if can_reply else None),
        "rating_form": rating_form or (RatingForm() if can_rate else None),
        # Waiting for someone to take it: the place in line and the live estimate (issue 18).
        "wait": wait_sentence(estimate) if (estimate := ticket_wait(ticket)) else "",
    }
    return render(request, "portal/ticket.html", context, status=status)


@customer_view
@require_safe
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ticket = _visible_ticket(user, pk)
    audit_ticket_read(request, user, ticket)  # a guardian reading their child's ticket: a disclosure, audited
    return _ticket_page(request, ticket)


@customer_view
@limit_posts("portal-reply", limit=60, window_seconds=3600)
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ticket = _visible_ticket(user, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not policies.can_customer_reply(user, ticket):
        messages.error(request, _("This ticket is closed. Please open a new ticket."))
        return redirect("portal:ticket", pk=ticket.pk)
    if form.is_valid():
        try:
            ticket_add_message(
                ticket=ticket,
                body=form.cleaned_data["body"],
                actor=user,
                author_contact=_contact(user),
                attachments=incoming_files(form.cleaned_data["attachments"]),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect(reverse("portal:ticket", args=[ticket.pk]) + "#latest")
    return _ticket_page(request, ticket, reply_form=form, status=400)


@customer_view
@limit_posts("portal-rate", limit=20, window_seconds=3600)
@require_POST
def ticket_rate_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    ticket = _visible_ticket(user, pk)
    contact = _contact(user)
    form = RatingForm(request.POST)
    if contact is None or not policies.can_rate(user, ticket):
        messages.error(request, _("This ticket cannot be rated."))
        return redirect("portal:ticket", pk=ticket.pk)
    if form.is_valid():
        try:
            ticket_rate(
                ticket=ticket,
                contact=contact,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Thank you for rating our help."))
            return redirect(reverse("portal:ticket", args=[ticket.pk]) + "#rating")
    return _ticket_page(request, ticket, rating_form=form, status=400)
