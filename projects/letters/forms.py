from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from departments.models import Department
from projects.enums import LetterKind
from projects.letters.batches import ALL_KINDS

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

    def __init__(self, *args, allowed: frozenset[int], whole_region: bool, **kwargs):
        """`allowed`: the departments of the call's region where the user issues letters."""
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        department.queryset = Department.objects.filter(pk__in=allowed).order_by("code")
        if not whole_region:
            # A batch covers one department or the whole call, and only who covers the whole
            # region may see a whole-call batch: anyone else chooses a department.
            department.required = True
            department.empty_label = None if len(allowed) == 1 else _("Choisissez un département")


class VerifyForm(DsfrBaseForm):
    """/verifier/: a PDF to check, or the reference and code printed on it."""

    document = forms.FileField(
        label=_("Document PDF"),
        required=False,
        help_text=_("Le fichier reçu, tel quel (5 Mo au plus)."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    reference = forms.CharField(label=_("Référence"), required=False, max_length=80)
    code = forms.CharField(label=_("Code de vérification"), required=False, max_length=20)

    def clean(self):
        data = super().clean()
        if not data.get("document") and not (data.get("reference") and data.get("code")):
            raise forms.ValidationError(_("Joignez le document PDF, ou saisissez sa référence et son code."))
        return data
