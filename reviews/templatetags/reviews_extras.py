from django import template

from projects.money import format_euros
from reviews.enums import Opinion

register = template.Library()


@register.filter
def euros(value):
    """`2 395 000,00 €`; a dash when there is no amount."""
    return format_euros(value)


@register.inclusion_tag("reviews/_opinion_badge.html")
def opinion_badge(opinion: str | None):
    """A submitted review's opinion as a coloured badge; a dash while it is not submitted."""
    colours = {Opinion.FAVOURABLE: "success", Opinion.RESERVED: "warning", Opinion.UNFAVOURABLE: "error"}
    if opinion not in Opinion.values:
        return {"label": None}
    return {"label": Opinion(opinion).label, "colour": colours[opinion]}
