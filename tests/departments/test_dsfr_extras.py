import pytest
from django.template import Context, Template, TemplateSyntaxError


def render(source, **context):
    return Template("{% load dsfr_extras %}" + source).render(Context(context))


def test_table_wrapper_puts_the_table_in_the_dsfr_divs_with_its_modifiers_and_id():
    html = render(
        '{% table_wrapper class="fr-table--sm fr-mb-3w" id="funding-lines" %}<table></table>{% endtable_wrapper %}'
    )

    assert html == (
        '<div class="fr-table fr-table--sm fr-mb-3w" id="funding-lines"><div class="fr-table__wrapper">'
        '<div class="fr-table__container"><div class="fr-table__content"><table></table></div></div></div></div>'
    )


def test_table_wrapper_needs_no_argument():
    html = render("{% table_wrapper %}<table></table>{% endtable_wrapper %}")

    assert html.startswith('<div class="fr-table"><div class="fr-table__wrapper">')


def test_table_wrapper_escapes_its_attributes_and_not_the_table():
    html = render(
        "{% table_wrapper class=modifiers id=table_id %}"
        "<table><caption>{{ caption }}</caption></table>"
        "{% endtable_wrapper %}",
        modifiers='fr-table--sm" onclick="alert(1)',
        table_id="<lines>",
        caption="<b>",
    )

    assert html.startswith('<div class="fr-table fr-table--sm&quot; onclick=&quot;alert(1)" id="&lt;lines&gt;">')
    assert "<table><caption>&lt;b&gt;</caption></table>" in html


@pytest.mark.parametrize("arguments", ['"fr-table--sm"', 'style="color: red"'])
def test_table_wrapper_takes_only_class_and_id(arguments):
    with pytest.raises(TemplateSyntaxError):
        render(f"{{% table_wrapper {arguments} %}}<table></table>{{% endtable_wrapper %}}")
