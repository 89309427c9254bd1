"""Money rules, in one place. Amounts are Decimal with two places, never floats."""

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CENT = Decimal("0.01")
# Every amount column is NUMERIC(14, 2): twelve digits before the decimal point.
MAX_DIGITS = 14
MAX_AMOUNT = Decimal("999999999999.99")
DEFAULT_STATE_SHARE = Decimal("0.5")
# What every amount column is, and the two floors an amount may have.
MONEY = {"max_digits": MAX_DIGITS, "decimal_places": 2}
positive_amount = MinValueValidator(Decimal("0.01"), message=gettext_lazy("Le montant doit être supérieur à zéro."))
non_negative_amount = MinValueValidator(Decimal("0"), message=gettext_lazy("Le montant ne peut pas être négatif."))
# Above this amount in one year a convention is compulsory (loi n° 2000-321 art. 10; décret n° 2001-495
# sets the threshold on the annual amount, not on the total over the programme).
CONVENTION_THRESHOLD = Decimal("23000")


def requires_convention(amounts_by_year) -> bool:
    """Whether an award of these yearly amounts needs a convention: one year above the threshold is enough."""
    return any(Decimal(amount) > CONVENTION_THRESHOLD for amount in amounts_by_year)


def to_cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def split(amount: Decimal, state_share: Decimal) -> tuple[Decimal, Decimal]:
    """(State line, Cnaf line) for one amount.

    State = amount × share rounded half-up to the cent; the Cnaf gets exactly the rest,
    so the two lines always add up to the amount.
    """
    amount = Decimal(amount)
    if amount != to_cents(amount):
        raise ValueError(f"{amount} has more than two decimal places")
    state = to_cents(amount * Decimal(state_share))
    return state, amount - state


# ASCII digits only, no exponent: "1,23457E+11" is what a spreadsheet writes when the digits no longer fit.
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)", re.ASCII)
# With both separators, the last one is the decimal mark and the other must group by three.
FRENCH_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]{3})+,[0-9]*", re.ASCII)
ENGLISH_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+\.[0-9]*", re.ASCII)


def parse_amount(raw) -> Decimal:
    """A Decimal from what French users type: `12 345,67`, `12345.67`, `12 345 €`, `1.234,56`.

    Raises ValueError with a French message on anything else, on more than two decimals and
    beyond MAX_AMOUNT: what cannot be read for sure is refused, never guessed.
    """
    if isinstance(raw, bool):
        raise ValueError(f"« {raw} » n’est pas un montant")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(str(raw))
    else:
        text = str(raw or "").strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
        if not text:
            raise ValueError("montant vide")
        if FRENCH_GROUPED.fullmatch(text):
            text = text.replace(".", "").replace(",", ".")
        elif ENGLISH_GROUPED.fullmatch(text):
            text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
            if not PLAIN_NUMBER.fullmatch(text):
                raise ValueError(f"« {raw} » n’est pas un montant")
        value = Decimal(text)
    if not value.is_finite():
        raise ValueError(f"« {raw} » n’est pas un montant")
    if abs(value) > MAX_AMOUNT:
        raise ValueError(f"« {raw} » dépasse le montant maximal ({format_euros(MAX_AMOUNT)})")
    if value != to_cents(value):
        raise ValueError(f"« {raw} » a plus de deux décimales")
    return to_cents(value)


def format_euros(value: Decimal | None) -> str:
    """`2 395 000,00 €`, grouped with the no-break spaces of Django's French format, so amounts never wrap."""
    if value is None:
        return "—"
    formatted = number_format(to_cents(value), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{formatted}\u00a0€"


def above_requested(*, what: str, year: int, amount: Decimal, requested: dict[int, Decimal]) -> str | None:
    """Why `amount` may not go to `year`, when it exceeds what was requested that year (nothing requested: 0).

    No recommendation, proposal or award gives a year more than the applicant asked for it;
    `what` says which amount it is (« recommandé », « proposé », « attribué »).
    """
    ceiling = requested.get(year, Decimal("0"))
    if amount <= ceiling:
        return None
    return _(
        "Le montant %(what)s pour %(year)s (%(amount)s) dépasse le montant demandé cette année-là (%(ceiling)s)."
    ) % {"what": what, "year": year, "amount": format_euros(amount), "ceiling": format_euros(ceiling)}


def amount_input_value(amount: Decimal | None) -> str:
    """How an amount is prefilled in a text field: `12000,50`, without grouping, so it reads back as typed."""
    return "" if amount is None else f"{amount:.2f}".replace(".", ",")


class AmountField(forms.CharField):
    """A euro amount as French users type it (`12 345,67`, `12345.67`, `12 345 €`), read by parse_amount.

    Never negative; zero only with `allow_zero`. A text input: with type="number" the browser would
    refuse "12 345,67" before the server could read it.
    """

    def __init__(self, *, allow_zero: bool = True, **kwargs):
        self.allow_zero = allow_zero
        # What a model's DecimalField hands its form field: the money rules (parse_amount) already bound it.
        for bound in ("max_digits", "decimal_places", "max_value", "min_value", "step_size"):
            kwargs.pop(bound, None)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off", "maxlength": "30"}

    def prepare_value(self, value):
        return amount_input_value(value) if isinstance(value, Decimal) else value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            amount = parse_amount(value)
        except ValueError:
            raise forms.ValidationError(
                _("« %(value)s » n’est pas un montant : écrivez par exemple 12 345,67."),
                code="invalid",
                params={"value": value},
            ) from None
        if amount < 0:
            raise forms.ValidationError(_("Le montant ne peut pas être négatif."), code="min_value")
        if amount == 0 and not self.allow_zero:
            raise forms.ValidationError(_("Le montant doit être supérieur à zéro."), code="min_value")
        return amount


@dataclass
class YearAmounts:
    """Amounts per programme year once read and checked; `problems` keyed by year (None: a year unreadable)."""

    amounts: dict[int, Decimal] = field(default_factory=dict)
    problems: dict[int | None, str] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal("0"))


def check_year_amounts(
    raw_by_year: Mapping,
    *,
    years: Sequence[int],
    requested: Mapping[int, Decimal] | None = None,
    what: str = "",
    required_years: Collection[int] = (),
) -> YearAmounts:
    """The one check of an amount per programme year, for every entry point (forms, services, admin, imports).

    Each year must be one of the programme's, each amount readable, never negative and, when
    `requested` is given, never above what was requested that year; each of `required_years`
    must have an answer (0 is one). Empty years are left out of `amounts`.
    """
    checked = YearAmounts()
    programme = set(years)
    for raw_year, raw in raw_by_year.items():
        try:
            year = int(raw_year)
        except (TypeError, ValueError):
            checked.problems[None] = _("« %(year)s » n’est pas une année du programme.") % {"year": raw_year}
            continue
        if year not in programme:
            checked.problems[year] = _("L’année %(year)s est hors du programme de l’appel (%(first)s–%(last)s).") % {
                "year": year,
                "first": min(years),
                "last": max(years),
            }
            continue
        if raw is None or raw == "":
            continue
        try:
            amount = parse_amount(raw)
        except ValueError as error:
            checked.problems[year] = _("Montant %(year)s : %(error)s.") % {"year": year, "error": error}
            continue
        if amount < 0:
            checked.problems[year] = _("Le montant de %(year)s ne peut pas être négatif.") % {"year": year}
            continue
        refusal = requested is not None and above_requested(what=what, year=year, amount=amount, requested=requested)
        if refusal:
            checked.problems[year] = refusal
            continue
        checked.amounts[year] = amount
    for year in required_years:
        if year not in checked.amounts and year not in checked.problems:
            checked.problems[year] = _("Indiquez le montant %(what)s pour %(year)s (0 si aucun).") % {
                "what": what,
                "year": year,
            }
    return checked


class YearAmount(models.Model):
    year = models.PositiveSmallIntegerField(gettext_lazy("année"))
    amount = models.DecimalField(gettext_lazy("montant (€)"), **MONEY, validators=[non_negative_amount])

    class Meta:
        abstract = True
        ordering = ["year"]

    def __str__(self):
        return f"{self.year} : {format_euros(self.amount)}"
