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
