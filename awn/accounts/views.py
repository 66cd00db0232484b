from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .policies import is_staff_member


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff land in the agent workspace, customers in the portal."""
    return redirect("workspace:queue" if is_staff_member(request.user) else "portal:home")  # type: ignore[arg-type]


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
