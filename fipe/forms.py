"""Form fields every app may use."""

from django import forms


class _TextareaNeverRequired(forms.Textarea):
    def use_required_attribute(self, initial):
        return False


class ConditionalTextField(forms.CharField):
    """A text that a rule requires in some cases only (its help text says which).

    It is never labelled « optionnel » (the DSFR marks the fields a form does not require), and
    the field itself never refuses it empty: the service's rule decides, and says why.
    """

    widget = _TextareaNeverRequired

    def __init__(self, **kwargs):
        super().__init__(required=True, **kwargs)

    def validate(self, value):
        """Nothing to check here: emptiness is the rule's to judge."""


def required_when(field: forms.Field, condition: bool) -> forms.Field:
    """A field a rule requires in some cases only (to transmit a review, for a proposed file).

    The DSFR labels « optionnel » every field that is not required, which would tell the user a
    field may be left empty when the next step will refuse it so. The field stays required for its
    label, and refuses an empty value only when `condition` holds; a value given is checked as usual.
    """
    field.required = True
    if not condition:
        check = field.validate
        field.validate = lambda value: None if value in field.empty_values else check(value)
    return field
