from typing import Any

from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from awn.core.addresses import client_address
from awn.core.errors import NotFound, ValidationError
from awn.core.ratelimit import limit_posts

from . import services
from .forms import AcceptInvitationForm
from .models import User
from .policies import is_staff_member
from .throttle import login_failed, login_succeeded, seconds_to_wait


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff land in the agent workspace, customers in the portal."""
    return redirect("workspace:queue" if is_staff_member(request.user) else "portal:home")  # type: ignore[arg-type]


def complete_sign_in(request: HttpRequest, user: User, backend: str | None = None) -> None:
    """The one place a user becomes signed in: a new session id (Django's login cycles the key) and the
    session remembered, to end it with the others later."""
    auth_login(request, user, backend=backend)
    services.session_started(
        user=user, session_key=request.session.session_key, address=client_address(request)
    )


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if seconds_to_wait(request, username) > 0:
            return self._slow_down(request, username)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            login_succeeded(request, username)
        else:
            login_failed(request, username)
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        complete_sign_in(self.request, form.get_user())
        return redirect(self.get_success_url())

    def _slow_down(self, request: HttpRequest, username: str) -> HttpResponse:
        """The same page whatever the password: it is not read, let alone checked (no oracle)."""
        form = self.get_form_class()(request, initial={"username": username[:150]})
        context = self.get_context_data(form=form, throttled=True)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = "60"
        return response


@never_cache
@limit_posts("invitation", limit=10, window_seconds=600)
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time link: the invitee chooses a password (the validators apply) and is signed in. A used,
    revoked or expired link answers 410; a forged one 404."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationGone:
        return render(request, "accounts/invitation_gone.html", status=410)
    except NotFound as exc:
        raise Http404() from exc
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                new_email=form.cleaned_data["email"],
                address=client_address(request),
            )
        except services.InvitationGone:
            return render(request, "accounts/invitation_gone.html", status=410)
        except ValidationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            complete_sign_in(request, user, backend="awn.core.auth.ModelBackend")
            return redirect("home")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})
