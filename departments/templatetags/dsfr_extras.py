"""DSFR markup that the templates of every app share.

It lives in departments, the app that projects and reviews both build on, so that any template can load it.
"""

from django import template
from django.template.base import token_kwargs
from django.utils.html import format_html

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
