"""French dates and ordinals in templates: `{{ day|french_date }}`, `{{ day|french_date:"j F Y à H:i" }}`,
`{{ rank|ordinal }}`."""

from django import template

from fipe import french

register = template.Library()


@register.filter(expects_localtime=True)
def french_date(value, fmt="j F Y"):
    """Like `date`, but « 1er » on the first of the month; empty for no date."""
    if not value:
        return ""
    return french.french_date(value, fmt)


@register.filter
def ordinal(value):
    """« 1er », « 2e »; the value as it is when it is not a number."""
    try:
        return french.ordinal(int(value))
    except (TypeError, ValueError):
        return value


@register.filter
def duration(value):
    """A timedelta in French words: « 15 minutes »."""
    return french.duration(value) if value else ""
