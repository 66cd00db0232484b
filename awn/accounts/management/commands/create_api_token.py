"""Create an API token for a user and print its key once (only a hash is stored)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from awn.accounts.models import User
from awn.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print the key once. Use it as `Authorization: Bearer <key>`."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'education system events'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"The user {options['username']!r} is not active.")
        name = (options["name"] or "").strip()
        if not name or len(name) > 120:
            raise CommandError("Give the token a name of 1 to 120 characters.")
        token, key = api_token_create(user=user, name=name)
        self.stderr.write(
            f"Token {token.prefix}… created for {user.username} (role {user.role}). "
            "Store the key now: it is not shown again."
        )
        self.stdout.write(key)
