from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from awn.core.events import publish

from .events import UserSignedIn, UserSignedOut
from .policies import is_staff_member
from .throttle import login_failed, login_succeeded, seconds_to_wait


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff land in the agent workspace, customers in the portal."""
    return redirect("workspace:queue" if is_staff_member(request.user) else "portal:home")  # type: ignore[arg-type]


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
            publish(UserSignedIn(user_id=request.user.pk))
        else:
            login_failed(request, username)
        return response

    def _slow_down(self, request: HttpRequest, username: str) -> HttpResponse:
        """The same page whatever the password: it is not read, let alone checked (no oracle)."""
        form = self.get_form_class()(request, initial={"username": username[:150]})
        context = self.get_context_data(form=form, throttled=True)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = "60"
        return response


class SignOutView(auth_views.LogoutView):
    """Django's sign-out, announcing it first (routing sets the agent offline)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            publish(UserSignedOut(user_id=request.user.pk))
        return super().post(request, *args, **kwargs)
