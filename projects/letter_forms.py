from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.enums import LetterKind
from projects.letters import ALL_KINDS

KIND_CHOICES = [
    (ALL_KINDS, _("Lettres d’attribution et de refus")),
    (LetterKind.AWARD, _("Lettres d’attribution")),
    (LetterKind.REFUSAL, _("Lettres de refus")),
]


class LetterBatchForm(DsfrBaseForm):
    department = forms.ModelChoiceField(
        label=_("Département"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("Tous vos départements de l’appel"),
    )
    kind = forms.ChoiceField(label=_("Courriers"), choices=KIND_CHOICES, initial=ALL_KINDS)

    def __init__(self, *args, call, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(
            region_id=call.region_id, pk__in=get_scope(user).department_ids(Action.ISSUE_LETTERS)
        ).order_by("code")
