from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.money import AmountField, format_euros
from reviews.instruction.services import amount_key


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
