from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from dsfr.widgets import InlineRadioSelect

from projects.money import format_euros, parse_amount
from reviews.enums import Opinion, ProposalDecision
from reviews.services import amount_key, score_key


class AmountField(forms.CharField):
    """An amount in euros as French users type it (`12 345,67`); empty means no amount."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value):
        # Shown back as typed in France and as parse_amount reads it: 12500,50.
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_amount(value)
        except ValueError:
            raise forms.ValidationError(
                _("Indiquez un montant en euros, par exemple 12 500 ou 12 500,50."), code="invalid_amount"
            ) from None


def add_amount_fields(
    form: forms.Form, *, years: list[int], requested: dict[int, Decimal], label: str, what: str, strict: bool
) -> None:
    """One amount per programme year; with `strict`, every year with an amount requested needs an answer."""
    for year in years:
        form.fields[amount_key(year)] = AmountField(
            label=f"{label} {year} (€)",
            required=strict and bool(requested.get(year)),
            help_text=_("Demandé : %(amount)s") % {"amount": format_euros(requested.get(year, Decimal("0")))},
            error_messages={
                "required": _("Indiquez le montant %(what)s pour %(year)s (0 si aucun).") % {"what": what, "year": year}
            },
        )


def amounts_from(form: forms.Form, years: list[int]) -> dict[int, Decimal | None]:
    return {year: form.cleaned_data.get(amount_key(year)) for year in years}


class ConflictDeclarationForm(DsfrBaseForm):
    has_conflict = forms.TypedChoiceField(
        label=_("Avez-vous un conflit d’intérêts avec ce dossier ?"),
        help_text=_(
            "Par exemple : vous siégez dans l’organe dirigeant du porteur, vous avez contribué au projet, "
            "un proche y travaille."
        ),
        choices=[
            ("no", _("Non, je n’ai aucun lien avec le porteur ni avec le projet")),
            ("yes", _("Oui, j’ai un conflit d’intérêts : je ne l’instruirai pas")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Précisions"),
        help_text=_("Obligatoire en cas de conflit : la nature du lien avec le porteur ou le projet."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(DsfrBaseForm):
    """Scores per criterion, opinion, recommended amount per programme year, comment.

    The fields are required to submit (button `action=submit`), not to save a draft,
    which may be incomplete. save_review checks the rest (ranges, amounts requested).
    """

    opinion = forms.ChoiceField(
        label=_("Avis"),
        choices=Opinion.choices,
        widget=InlineRadioSelect,
        error_messages={"required": _("Choisissez un avis avant de transmettre.")},
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        help_text=_("Obligatoire pour un avis réservé ou défavorable."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, criteria, years, requested, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.years = years
        strict = not self.is_bound or self.data.get("action") == "submit"
        self.fields["opinion"].required = strict
        fields = {}
        for criterion in criteria:
            fields[score_key(criterion.code)] = forms.TypedChoiceField(
                label=f"{criterion.code} — {criterion.label}",
                help_text=_("Note de 0 à %(max)s ; pondération %(weight)s.")
                % {"max": criterion.max_score, "weight": criterion.weight},
                choices=[(str(score), str(score)) for score in range(criterion.max_score + 1)],
                coerce=int,
                empty_value=None,
                required=strict,
                widget=InlineRadioSelect,
                error_messages={"required": _("Notez ce critère avant de transmettre l’avis.")},
            )
        self.fields.update(fields)
        add_amount_fields(
            self, years=years, requested=requested, label=_("Montant recommandé"), what=_("recommandé"), strict=strict
        )
        self.order_fields([*fields, "opinion", *(amount_key(year) for year in years), "comment"])

    def scores(self) -> dict[str, int | None]:
        return {criterion.code: self.cleaned_data.get(score_key(criterion.code)) for criterion in self.criteria}

    def amounts(self) -> dict[int, Decimal | None]:
        return amounts_from(self, self.years)


class ReopenReviewForm(DsfrBaseForm):
    reason = forms.CharField(
        label=_("Motif de la réouverture"),
        help_text=_("Conservé dans l’historique du dossier."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


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
        self.fields["rank"].required = strict
        add_amount_fields(
            self, years=years, requested=requested, label=_("Montant proposé"), what=_("proposé"), strict=strict
        )
        self.order_fields(["decision", "rank", *(amount_key(year) for year in years), "reasons"])

    def amounts(self) -> dict[int, Decimal | None]:
        return amounts_from(self, self.years)
