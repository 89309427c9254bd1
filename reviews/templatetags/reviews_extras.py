from django import template

from projects.money import format_euros

register = template.Library()


@register.filter
def euros(value):
    """`2 395 000,00 €`; a dash when there is no amount."""
    return format_euros(value)
