import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting

from fipe.renderers import IN_PYTHON, FipeRenderer


class EveryWidget(forms.Form):
    name = forms.CharField(label="Nom", help_text="Aide", max_length=20)
    note = forms.CharField(required=False, widget=forms.TextInput(attrs={"class": "fr-input", "data-x": 'a"<b>'}))
    amount = forms.DecimalField(required=False)
    count = forms.IntegerField(min_value=0, disabled=True)
    email = forms.EmailField(required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    secret = forms.CharField(required=False, widget=forms.PasswordInput)
    status = forms.ChoiceField(choices=[("", "Tous"), ("a", "Déposé <b>"), (3, 1234)], required=False)
    grouped = forms.ChoiceField(choices=[("Groupe « un »", [("x", "X"), ("y", "Y")]), ("z", "Z")])
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    when = forms.DateField(required=False)
    at = forms.DateTimeField(required=False)


BOUND = {
    "name": 'Les "Petits" <pas>',
    "note": "",
    "amount": "1234.5",
    "count": "3",
    "status": "3",
    "grouped": "y",
    "several": ["a", "b"],
    "when": "2025-01-31",
    "at": "2025-01-31 10:00",
}


@pytest.mark.parametrize(
    "form",
    [
        EveryWidget(),
        EveryWidget(BOUND),
        EveryWidget({"amount": "abc"}),
        EveryWidget(initial={"amount": Decimal("12.50"), "when": datetime.date(2025, 1, 31)}),
    ],
)
def test_widgets_written_in_python_are_the_templates_html(form):
    for field in form:
        attrs = {"aria-describedby": "aide", "required": True, "autofocus": False} if field.name == "name" else None
        form.renderer = FipeRenderer()
        in_python = field.as_widget(attrs=attrs)
        form.renderer = TemplatesSetting()
        assert in_python == field.as_widget(attrs=attrs), field.name


def test_no_widget_written_in_python_is_overridden_by_a_project_template():
    assert FipeRenderer().in_python == IN_PYTHON
