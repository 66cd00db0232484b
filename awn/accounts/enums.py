from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class TeamKind(models.TextChoices):
    IN_HOUSE = "in_house", _("In-house")
    OUTSOURCED = "outsourced", _("Outsourced")
    HYBRID = "hybrid", _("Hybrid")


STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


class AdminAction(models.TextChoices):
    USER_INVITED = "user_invited", _("Invited a user")
    INVITATION_ACCEPTED = "invitation_accepted", _("Accepted an invitation")
    INVITATION_REVOKED = "invitation_revoked", _("Revoked an invitation")
    USER_CHANGED = "user_changed", _("Changed a user")
    USER_DEACTIVATED = "user_deactivated", _("Deactivated a user")
    USER_REACTIVATED = "user_reactivated", _("Reactivated a user")
    FIRST_ADMIN_LINK = "first_admin_link", _("Created the first administrator's link")
    TOKEN_CREATED = "token_created", _("Created an API token")
    TOKEN_REVOKED = "token_revoked", _("Revoked an API token")
    TEAM_CREATED = "team_created", _("Created a team")
    TEAM_CHANGED = "team_changed", _("Changed a team")
    TWO_FACTOR_RESET = "two_factor_reset", _("Reset two-step sign-in")
    SETTINGS_CHANGED = "settings_changed", _("Changed the organization settings")
    PASSKEY_ADDED = "passkey_added", _("Added a passkey")
    PASSKEY_REMOVED = "passkey_removed", _("Removed a passkey")
    PASSKEY_SIGN_IN = "passkey_sign_in", _("Signed in with a passkey")
    PASSKEY_REFUSED = "passkey_refused", _("A passkey was refused")


STAFF_ROLE_CHOICES = [(r.value, r.label) for r in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)]


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")
