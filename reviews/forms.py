from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.money import format_euros, parse_amount
from reviews.instruction.services import amount_key


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
