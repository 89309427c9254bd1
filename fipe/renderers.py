"""The form renderer: Django's widget templates, the commonest written in Python.

A select or a text input is rendered through three or four small templates (the widget, its
input, its attributes, one per option); on the application list's filters that was a quarter of
the page's time. The functions below write the same HTML as Django's templates, from the same
context (`Widget.get_context`); any other template, and any of these that templates/ overrides,
is rendered as a template.
"""

from pathlib import Path

import django.forms
from django.forms.renderers import TemplatesSetting
from django.template.loader import get_template
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

SELECT_OPTION = "django/forms/widgets/select_option.html"


def text(value) -> str:
    """`{{ value }}`: localized and escaped as the template engine does."""
    return conditional_escape(localize(template_localtime(value)))


def string(value) -> str:
    """`{{ value|stringformat:'s' }}`."""
    return value if isinstance(value, SafeData) else conditional_escape(str(value))


def attributes(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {text(name)}" if value is True else f' {text(name)}="{string(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def input_widget(widget: dict) -> str:
    """django/forms/widgets/input.html, included by text.html, number.html…"""
    value = "" if widget["value"] is None else f' value="{string(widget["value"])}"'
    return f'<input type="{text(widget["type"])}" name="{text(widget["name"])}"{value}{attributes(widget["attrs"])}>'


def select_widget(widget: dict) -> str | None:
    """django/forms/widgets/select.html; None when an option has a template of its own."""
    parts = [f'<select name="{text(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{text(group_name)}">')
        for option in options:
            if option["template_name"] != SELECT_OPTION:
                return None
            value, attrs, label = string(option["value"]), attributes(option["attrs"]), text(option["label"])
            parts.append(f'\n  <option value="{value}"{attrs}>{label}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


IN_PYTHON = {
    **{
        f"django/forms/widgets/{kind}.html": input_widget
        for kind in ("text", "number", "email", "url", "password", "search", "tel", "date", "datetime", "time")
    },
    "django/forms/widgets/select.html": select_widget,
}
DJANGO_FORM_TEMPLATES = Path(django.forms.__file__).parent / "templates"


class FipeRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        write = self.in_python.get(template_name)
        html = write(context["widget"]) if write else None
        if html is None:
            return super().render(template_name, context, request)
        return mark_safe(html)

    @cached_property
    def in_python(self) -> dict:
        """The widgets written in Python, but those whose template the project overrides."""
        return {
            name: write
            for name, write in IN_PYTHON.items()
            if Path(get_template(name).origin.name).is_relative_to(DJANGO_FORM_TEMPLATES)
        }
