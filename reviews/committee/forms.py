from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from dsfr.widgets import InlineRadioSelect

from fipe.forms import required_when
from reviews.enums import ProposalDecision
from reviews.forms import add_amount_fields, amounts_from
from reviews.instruction.services import amount_key


class MeetingForm(DsfrBaseForm):
    call = forms.ModelChoiceField(label=_("Appel à projets"), queryset=None)
    department = forms.ModelChoiceField(label=_("Département"), queryset=None)
    date = forms.DateField(label=_("Date de la séance"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Lieu"), max_length=255)

    def __init__(self, *args, calls, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls
        self.fields["department"].queryset = departments


class MemberForm(DsfrBaseForm):
    name = forms.CharField(label=_("Nom et prénom"), max_length=150)
    organisation = forms.CharField(label=_("Organisme"), max_length=200)
    capacity = forms.CharField(label=_("Qualité"), max_length=200, help_text=_("Par exemple : président, directrice"))
    conflicts = forms.MultipleChoiceField(
        label=_("Dossiers pour lesquels ce membre déclare un conflit d’intérêts"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = {str(application.pk): application for application in applications}
        self.fields["conflicts"].choices = [
            (key, f"{application.reference} — {application.title}") for key, application in self.applications.items()
        ]

    def conflict_applications(self) -> tuple:
        return tuple(self.applications[key] for key in self.cleaned_data.get("conflicts", []))


# A CDSF sits with a few dozen members. The bound also caps the forms a forged TOTAL_FORMS makes
# Django build and render (by default up to 2,000, each with the agenda's checkboxes: seconds per post).
MAX_MEMBERS = 60
MemberFormSet = forms.formset_factory(
    MemberForm, extra=2, can_delete=True, max_num=MAX_MEMBERS, validate_max=True, absolute_max=MAX_MEMBERS
)


class ProposalForm(DsfrBaseForm):
    decision = forms.ChoiceField(
        label=_("Proposition du comité"), choices=ProposalDecision.choices, widget=InlineRadioSelect
    )
    rank = forms.IntegerField(
        label=_("Rang"),
        min_value=1,
        # A committee ranks a few dozen files; the bound also keeps the rank within its column.
        max_value=999,
        help_text=_("1 pour le premier ; sans objet si le dossier n’est pas proposé."),
        error_messages={"required": _("Indiquez le rang du dossier (1 pour le premier).")},
    )
    reasons = forms.CharField(label=_("Motifs"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, years, requested, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = years
        # Rank and amounts are asked of a proposed file only; left empty for a file not proposed.
        strict = self.data.get("decision") != ProposalDecision.NOT_PROPOSED
        required_when(self.fields["rank"], strict)
        add_amount_fields(
            self, years=years, requested=requested, label=_("Montant proposé"), what=_("proposé"), strict=strict
        )
        self.order_fields(["decision", "rank", *(amount_key(year) for year in years), "reasons"])

    def amounts(self) -> dict[int, Decimal | None]:
        return amounts_from(self, self.years)
