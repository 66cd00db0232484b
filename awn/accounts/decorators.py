"""The staff gate of every staff page (workspace, live chat, knowledge base admin): views of any app use it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect

from awn.core.errors import NotFound

from .enums import Role
from .models import User
from .policies import is_staff_member

View = Callable[..., HttpResponseBase]


def current_user(request: HttpRequest) -> User:
    return cast(User, request.user)


def allowed_by(policy: Callable[[User], bool]) -> Callable[[View], View]:
    """A page for the users a policy lets in: anonymous users sign in; anyone else gets a 404 (no hint it exists).
    A service's NotFound inside the view (a foreign or missing object, refused per object) is a 404 too."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = current_user(request)
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not policy(user):
                raise Http404()
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404() from exc

        return wrapper

    return decorator


def _is_active_admin(user: User) -> bool:
    return bool(user.is_active and user.role == Role.ADMIN)


admin_required = allowed_by(_is_active_admin)
"""Administration pages: anonymous users sign in; anyone but an active administrator gets a 404."""


def staff_required(*, customers_to_portal: bool = False) -> Callable[[View], View]:
    """Anonymous users sign in; customers get a 404 (or the portal, for the workspace home)."""

    def decorator(view: View) -> View:
        guarded = allowed_by(is_staff_member)(view)
        if not customers_to_portal:
            return guarded

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = current_user(request)
            if user.is_authenticated and not is_staff_member(user) and request.method == "GET":
                return redirect("portal:home")
            return guarded(request, *args, **kwargs)

        return wrapper

    return decorator
