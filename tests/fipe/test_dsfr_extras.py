import dataclasses

import pytest
from django import forms
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
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


class NameForm(forms.Form):
    name = forms.CharField()


@dataclasses.dataclass
class Panel:
    context: dict


def has_errors(**context) -> str:
    return render("{% page_has_errors as errors %}{{ errors }}", **context)


def test_a_page_without_a_form_in_error_has_no_errors():
    assert has_errors(form=NameForm(), other=NameForm({"name": "Claire"}), rows=[1, 2]) == "False"


def test_a_form_sent_back_with_its_errors_is_an_error():
    assert has_errors(form=NameForm({})) == "True"


def test_a_form_in_error_is_found_in_the_rows_of_a_tab():
    assert has_errors(panel=Panel({"lines": [{"line": 1, "form": NameForm({})}]})) == "True"


def test_a_formset_in_error_is_an_error():
    formset_class = forms.formset_factory(NameForm, min_num=1, validate_min=True)
    formset = formset_class({"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"})
    assert has_errors(formset=formset) == "True"


def test_an_error_message_is_an_error_and_a_success_is_not():
    assert has_errors(messages=[Message(constants.SUCCESS, "Enregistré.")]) == "False"
    assert has_errors(messages=[Message(constants.ERROR, "Refusé.")]) == "True"


def test_a_view_says_when_its_errors_belong_to_no_form():
    assert has_errors(page_errors=True) == "True"
