from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from fipe.forms import required_when
from projects.money import AmountField, format_euros
from reviews.instruction.services import amount_key


def add_amount_fields(
    form: forms.Form, *, years: list[int], requested: dict[int, Decimal], label: str, what: str, strict: bool
) -> None:
    """One amount per programme year; with `strict`, every year with an amount requested needs an answer."""
    for year in years:
        form.fields[amount_key(year)] = field = AmountField(
            label=f"{label} {year} (€)",
            required=False,
            help_text=_("Demandé : %(amount)s") % {"amount": format_euros(requested.get(year, Decimal("0")))},
            error_messages={
                "required": _("Indiquez le montant %(what)s pour %(year)s (0 si aucun).") % {"what": what, "year": year}
            },
        )
        # A year with nothing requested may be left empty; one with a request, only while the rule allows it.
        if requested.get(year):
            required_when(field, strict)


def amounts_from(form: forms.Form, years: list[int]) -> dict[int, Decimal | None]:
    return {year: form.cleaned_data.get(amount_key(year)) for year in years}
