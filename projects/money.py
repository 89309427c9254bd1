"""Money rules, in one place. Amounts are Decimal with two places, never floats."""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
# Every amount column is NUMERIC(14, 2): twelve digits before the decimal point.
MAX_DIGITS = 14
MAX_AMOUNT = Decimal("999999999999.99")
DEFAULT_STATE_SHARE = Decimal("0.5")
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
