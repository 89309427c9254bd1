"""DSFR markup that the templates of every app share.

It lives in the web plumbing that every app builds on, so that any template can load it.
"""

import dataclasses
from collections.abc import Iterable

from django import template
from django.contrib.messages import ERROR
from django.forms import BaseForm, BaseFormSet
from django.template.base import token_kwargs
from django.utils.functional import LazyObject
from django.utils.html import format_html
from django_filters import FilterSet

register = template.Library()

TABLE_WRAPPER_ARGUMENTS = {"class", "id"}


@register.tag
def table_wrapper(parser, token):
    """`{% table_wrapper class="fr-table--sm" id="lines" %}<table>…</table>{% endtable_wrapper %}`.

    Puts the table in the four nested divs that the DSFR table component needs; `class` adds
    modifiers after `fr-table`, and both arguments are optional. Not named `dsfr_table`: django-dsfr's
    `dsfr_tags` has a tag of that name, which one of the two libraries would hide in a template
    that loads both.
    """
    tag_name, *bits = token.split_contents()
    arguments = token_kwargs(bits, parser)
    # token_kwargs stops at the first bit that is not name=value and leaves it in bits.
    if bits or not arguments.keys() <= TABLE_WRAPPER_ARGUMENTS:
        raise template.TemplateSyntaxError(f"{tag_name} takes only class=… and id=…")
    nodelist = parser.parse((f"end{tag_name}",))
    parser.delete_first_token()
    return TableWrapperNode(nodelist, arguments)


class TableWrapperNode(template.Node):
    def __init__(self, nodelist, arguments):
        self.nodelist = nodelist
        self.arguments = arguments

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.arguments.items()}
        modifiers = values.get("class")
        table_id = values.get("id")
        return format_html(
            '<div class="{}"{}><div class="fr-table__wrapper"><div class="fr-table__container">'
            '<div class="fr-table__content">{}</div></div></div></div>',
            f"fr-table {modifiers}" if modifiers else "fr-table",
            format_html(' id="{}"', table_id) if table_id else "",
            self.nodelist.render(context),
        )


@register.simple_tag(takes_context=True)
def page_has_errors(context) -> bool:
    """Whether the page reports a failure (a form sent back with its errors, an error message), for its title
    to say so (RGAA 8.6).

    Forms are found wherever the views put them in the context, down to the rows of a table of forms in
    a tab of the application page.
    A view whose errors belong to no form says so with `page_errors`.
    """
    values = context.flatten()
    if values.get("page_errors"):
        return True
    if any(message.level >= ERROR for message in values.get("messages", ())):
        return True
    return holds_form_errors(values.values())


def holds_form_errors(values: Iterable) -> bool:
    """Whether a form among `values` (or inside them: a table of forms, a tab's context) was sent back with errors."""
    return any(_holds_form_errors(value, depth=4) for value in values)


def _holds_form_errors(value, *, depth: int) -> bool:
    # A lazy value (the user, the CSRF token) is no form: looking into it would compute it, and the
    # CSRF token would then set its cookie on pages without a form, such as the public results.
    if isinstance(value, LazyObject):
        return False
    if isinstance(value, FilterSet):
        value = value.form
    if isinstance(value, BaseForm):
        return value.is_bound and bool(value.errors)
    if isinstance(value, BaseFormSet):
        return value.is_bound and value.total_error_count() > 0
    if depth and dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if depth and isinstance(value, dict):
        return any(_holds_form_errors(item, depth=depth - 1) for item in value.values())
    if depth and isinstance(value, (list, tuple)):
        return any(_holds_form_errors(item, depth=depth - 1) for item in value)
    return False
