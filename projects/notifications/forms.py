from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from dsfr.widgets import InlineRadioSelect

from projects.notifications.enums import STAFF_EVENTS
from projects.notifications.models import Frequency


class PreferencesForm(DsfrBaseForm):
    """One choice per event a staff user receives: immediately, in the daily digest, or never."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for event in STAFF_EVENTS:
            self.fields[event.value] = forms.ChoiceField(
                label=event.label,
                choices=Frequency.choices,
                initial=current.get(event.value, Frequency.IMMEDIATE),
                widget=InlineRadioSelect,
                error_messages={"required": _("Choisissez une fréquence."), "invalid_choice": _("Choix inconnu.")},
            )
