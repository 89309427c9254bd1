"""French typography in templates: `{{ text|french }}`, `{{ name|elide:"de" }}`, `{{ day|french_date }}`."""

import datetime

from django import template

from fipe import typography

register = template.Library()


@register.filter
def french(text):
    return typography.french(text) if text else text


@register.filter
def elide(following, word):
    """`{{ contact|elide:"de" }}` → « d’Anne » or « de Paul »."""
    return typography.elide(word, following)


@register.filter
def french_date(day):
    if isinstance(day, datetime.datetime):
        day = day.date()
    return typography.french_date(day) if day else ""
