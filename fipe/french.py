"""French typography shared by pages, letters and press releases: « 1er décembre », « 2e »."""

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

# Django's date format writes the day with « j »; on the first of the month French writes « 1er ».
# In a format string, letters are escaped with a backslash (« e » and « r » are format characters).
FIRST_OF_MONTH = "1\\e\\r"


def french_date(day: datetime.date | datetime.datetime, fmt: str = "j F Y") -> str:
    """« 1er décembre 2023 », « 18 décembre 2023 »; `fmt` is a Django date format (« j F Y à H:i »).

    An aware datetime is shown in the local time zone, as Django's `date` filter does.
    """
    if isinstance(day, datetime.datetime) and timezone.is_aware(day):
        day = timezone.localtime(day)
    if day.day == 1:
        fmt = fmt.replace("j", FIRST_OF_MONTH)
    return date_format(day, fmt)


def ordinal(number: int) -> str:
    """« 1er », « 2e », « 21e »: the abbreviated French ordinal (only the first takes « er »)."""
    return f"{number}er" if number == 1 else f"{number}e"


def duration(delta: datetime.timedelta) -> str:
    """« 15 minutes », « 1 heure », « 2 heures » (whole minutes or hours)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d heure", "%(count)d heures", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
