from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .policies import is_staff_member
from .throttle import login_blocked, login_failed, login_succeeded


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff land in the agent workspace, customers in the portal."""
    return redirect("workspace:queue" if is_staff_member(request.user) else "portal:home")  # type: ignore[arg-type]


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if login_blocked(request, username):
            form = self.get_form()
            form.add_error(None, _("Too many failed sign-in attempts. Try again in 15 minutes."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            login_succeeded(request, username)
        else:
            login_failed(request, username)
        return response
