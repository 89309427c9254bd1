"""Forms of the follow-up: the yearly report (Cerfa n° 15059 and indicators), its review, recoveries, conventions."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from projects.awards.models import FundingLine
from projects.followup.services import EXPENSE_CATEGORIES, INCOME_CATEGORIES
from projects.money import AmountField

SECTIONS = (("expenses", _("Charges"), EXPENSE_CATEGORIES), ("income", _("Produits"), INCOME_CATEGORIES))
COLUMNS = (("planned", _("prévu")), ("actual", _("réalisé")))


def apply_errors(form, error: ValidationError) -> None:
    """A service's ValidationError on the form: each message on the field it names, the others at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class ReportForm(DsfrBaseForm):
    """One filing of a yearly report. Field names follow the service's: `expenses-60-planned`, `indicator-children`."""

    year = forms.TypedChoiceField(label=_("Année du compte rendu"), coerce=int)
    subsidy_used = AmountField(
        label=_("Subvention FIPE utilisée (€)"),
        help_text=_("Part de la subvention de l’année effectivement employée au projet."),
    )
    gaps_explanation = forms.CharField(
        label=_("Explication des écarts entre le prévu et le réalisé"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    comment = forms.CharField(
        label=_("Commentaire libre sur l’activité"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, years: list[int], indicators: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.table = []
        for section, section_label, categories in SECTIONS:
            rows = []
            for code, label in categories:
                names = []
                for column, column_label in COLUMNS:
                    name = f"{section}-{code}-{column}"
                    self.fields[name] = AmountField(label=f"{code} {label} — {column_label}", required=False)
                    names.append(name)
                rows.append((code, label, names))
            self.table.append((section, section_label, rows))
        self.indicator_names = []
        for code, label in indicators:
            name = f"indicator-{code}"
            self.fields[name] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                max_value=10_000_000,
                error_messages={"invalid": _("Indiquez un nombre entier."), "min_value": _("Pas de nombre négatif.")},
            )
            self.indicator_names.append(name)

    def table_rows(self):
        """(section label, [(code, label, bound planned field, bound actual field)]) for the template."""
        return [
            (label, [(code, text, *(self[name] for name in names)) for code, text, names in rows])
            for _section, label, rows in self.table
        ]

    def indicator_fields(self):
        return [self[name] for name in self.indicator_names]

    def financial(self) -> dict:
        data = self.cleaned_data
        return {
            section: {
                code: {column: data.get(name) for (column, _label), name in zip(COLUMNS, names, strict=True)}
                for code, _label, names in rows
            }
            for section, _label, rows in self.table
        }

    def indicators(self) -> dict:
        return {name.removeprefix("indicator-"): self.cleaned_data.get(name) for name in self.indicator_names}

    def report(self) -> dict:
        """The filing as the report services take it, whoever files it (staff or the laureate)."""
        data = self.cleaned_data
        return {
            "year": data["year"],
            "financial": self.financial(),
            "subsidy_used": data["subsidy_used"],
            "gaps_explanation": data["gaps_explanation"],
            "indicators": self.indicators(),
            "comment": data["comment"],
        }


def initial_from_version(version) -> dict:
    """A report form's initial data from a filed version (to correct it); empty without one."""
    if version is None:
        return {}
    initial = {
        f"{section}-{code}-{column}": Decimal(amount) if amount else None
        for section, rows in version.financial.items()
        for code, columns in rows.items()
        for column, amount in columns.items()
    }
    initial.update({f"indicator-{code}": value for code, value in version.indicators.items()})
    initial.update(
        subsidy_used=version.subsidy_used, gaps_explanation=version.gaps_explanation, comment=version.comment
    )
    return initial


class ReviewForm(DsfrBaseForm):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("accept", _("Accepter le compte rendu")), ("corrections", _("Demander des corrections"))],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Message au porteur"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("Obligatoire pour demander des corrections."),
    )


class RecoveryForm(DsfrBaseForm):
    line = forms.ModelChoiceField(label=_("Ligne de financement"), queryset=None, empty_label=None)
    amount = AmountField(label=_("Montant à reverser (€)"))
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, lines, **kwargs):
        """`lines`: the award's funding lines, as read already (the page shows them)."""
        super().__init__(*args, **kwargs)
        field = self.fields["line"]
        field.queryset = FundingLine.objects.filter(pk__in=[line.pk for line in lines])  # what a post may name
        field.choices = [(line.pk, line.label) for line in lines]  # not read again for each rendering


class SignedCopyForm(DsfrBaseForm):
    signed_copy = forms.FileField(
        label=_("Exemplaire signé par le porteur"),
        help_text=_("PDF, 10 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
