from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayKind(models.TextChoices):
    EID_AL_FITR = "eid_al_fitr", _("Eid al-Fitr")
    EID_AL_ADHA = "eid_al_adha", _("Eid al-Adha")
    FOUNDING_DAY = "founding_day", _("Founding Day")
    NATIONAL_DAY = "national_day", _("National Day")
    ACADEMIC_BREAK = "academic_break", _("Academic break")
    OTHER = "other", _("Other holiday")
