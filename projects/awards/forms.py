"""Forms of the approval screen and of the funding lines."""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from projects.enums import Funder
from projects.money import AmountField, amount_input_value, format_euros


class ProposalRowForm(forms.Form):
    """One row of the approval screen: whether it is selected, and the amount kept per programme year.

    A year left empty or at zero gets nothing; the service refuses a total of zero.
    """

    selected = forms.BooleanField(required=False, label=_("Sélectionner"))

    def __init__(self, *args, years: list[int], proposed: dict[int, Decimal], **kwargs):
        kwargs.setdefault("initial", {})
        for year in years:
            kwargs["initial"].setdefault(f"amount_{year}", amount_input_value(proposed.get(year, Decimal("0"))))
        super().__init__(*args, **kwargs)
        self.years = years
        for year in years:
            self.fields[f"amount_{year}"] = AmountField(
                label=_("Montant retenu pour %(year)s") % {"year": year}, required=False
            )

    @property
    def is_selected(self) -> bool:
        return self.is_bound and self["selected"].data is True

    def amounts(self) -> dict[int, Decimal]:
        """The cleaned amounts per year (call after is_valid)."""
        return {year: self.cleaned_data.get(f"amount_{year}") or Decimal("0") for year in self.years}

    @property
    def total(self) -> Decimal:
        return sum(self.amounts().values(), Decimal("0"))


@dataclass(frozen=True)
class RowInput:
    """One input of an approval row, with what its template needs to write it by hand.

    The approval screen shows a hundred rows of four inputs: building a form per row and
    rendering each field through the widget templates took most of the page's time, so the
    blank rows skip the form and the template writes the inputs itself.
    """

    name: str
    id: str
    value: str = ""
    checked: bool = False
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProposalRowInputs:
    selected: RowInput
    amounts: list[tuple[int, RowInput]]


def proposal_row_inputs(
    form: ProposalRowForm | None, *, prefix: str, years: list[int], proposed: dict[int, Decimal]
) -> ProposalRowInputs:
    """The inputs of one approval row: from the submitted `form`, or prefilled with the proposed amounts.

    Names and ids are those ProposalRowForm reads and Django would write (`p12-amount_2023`,
    `id_p12-amount_2023`); a bound form's errors show on every row, selected or not.
    """

    def named(name: str, **kwargs) -> RowInput:
        html_name = f"{prefix}-{name}"
        return RowInput(name=html_name, id=f"id_{html_name}", **kwargs)

    if form is None:
        return ProposalRowInputs(
            selected=named("selected"),
            amounts=[
                (year, named(f"amount_{year}", value=amount_input_value(proposed.get(year, Decimal("0")))))
                for year in years
            ],
        )
    amounts = []
    for year in years:
        name = f"amount_{year}"
        value = form[name].value()
        errors = tuple(str(error) for error in form.errors.get(name, ()))
        amounts.append((year, named(name, value="" if value is None else str(value), errors=errors)))
    return ProposalRowInputs(selected=named("selected", checked=form.is_selected), amounts=amounts)


# The confirmation step of the approval screen carries the selection it showed, signed: what is
# confirmed must be exactly what was shown, not a selection changed (or forged) in between.
SELECTION_SALT = "projects.awards.approval-selection"


def selection_payload(selection) -> list:
    """A selection [(application, {year: amount})] as plain data: ids and amounts in cents, in a fixed order."""
    return sorted(
        [application.pk, {str(year): f"{amount:.2f}" for year, amount in sorted(amounts.items()) if amount}]
        for application, amounts in selection
    )


def sign_selection(selection, *, user) -> str:
    return signing.dumps({"user": user.pk, "selection": selection_payload(selection)}, salt=SELECTION_SALT)


def selection_changes(token: str, selection, *, user) -> set[int]:
    """The ids of the applications whose selection or amounts differ from what `token` was signed over:
    none when it is exactly this selection, every one posted when the token is not this user's."""
    posted = dict(selection_payload(selection))
    try:
        signed = signing.loads(token, salt=SELECTION_SALT)
    except signing.BadSignature:
        return set(posted)
    if signed.get("user") != user.pk:
        return set(posted)
    shown = dict(signed["selection"])
    return {pk for pk in posted.keys() | shown.keys() if posted.get(pk) != shown.get(pk)}


class RejectForm(DsfrBaseForm):
    reason = forms.CharField(
        label=_("Motif du rejet"),
        help_text=_("Il est conservé dans l’historique du dossier et repris dans la lettre de refus."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Indiquez le motif du rejet."))
        return reason


class CommitmentForm(DsfrBaseForm):
    number = forms.CharField(label=_("Numéro d’engagement"), max_length=50, required=False)

    def __init__(self, *args, line, **kwargs):
        kwargs.setdefault("initial", {"number": line.commitment_number})
        super().__init__(*args, **kwargs)
        self.line = line
        # One such field per funding line on the page: each is named after its line (RGAA 11.2).
        # DsfrBaseForm has already built the bound field, which keeps its own label and help.
        label = _("Numéro d’engagement — %(line)s") % {"line": line.label}
        help_text = _("Engagement juridique Chorus, 10 chiffres") if line.funder == Funder.STATE else _("Référence Caf")
        for target in (self.fields["number"], self["number"]):
            target.label, target.help_text = label, help_text

    def clean_number(self):
        return self.line.normalise_commitment_number(self.cleaned_data["number"])


class PaymentForm(DsfrBaseForm):
    line = forms.TypedChoiceField(label=_("Ligne de financement"), coerce=int)
    paid_on = forms.DateField(
        label=_("Date du versement"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    amount = AmountField(label=_("Montant versé (€)"), help_text=_("Par exemple 12 500,00"), allow_zero=False)
    reference = forms.CharField(
        label=_("Référence du versement"),
        required=False,
        max_length=100,
        help_text=_("Numéro de mandat, de demande de paiement Chorus ou de virement Caf."),
    )

    def __init__(self, *args, lines, **kwargs):
        """`lines`: the award's lines annotated with `paid`; only those with something left to pay are offered."""
        super().__init__(*args, **kwargs)
        self.lines = {line.pk: line for line in lines}
        self.fields["line"].choices = [("", _("Choisir une ligne"))] + [
            (
                line.pk,
                _("%(line)s — reste %(remaining)s") % {"line": line.label, "remaining": format_euros(line.remaining)},
            )
            for line in lines
            if line.remaining > 0
        ]

    def clean_line(self):
        return self.lines[self.cleaned_data["line"]]

    def clean_paid_on(self):
        # record_payment refuses it too; here the message goes next to the date, not the amount.
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise ValidationError(_("La date du versement ne peut pas être dans le futur."))
        return paid_on
