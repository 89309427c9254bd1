"""French typography in templates: `{{ text|french }}`, `{{ name|elide:"de" }}`."""

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
