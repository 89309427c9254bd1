"""Money rules, in one place. Amounts are Decimal with two places, never floats."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

CENT = Decimal("0.01")
DEFAULT_STATE_SHARE = Decimal("0.5")
# Above this amount a convention is compulsory (loi n° 2000-321 art. 10, décret n° 2001-495).
CONVENTION_THRESHOLD = Decimal("23000")


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


def parse_amount(raw) -> Decimal:
    """A Decimal from what French users type: `12 345,67`, `12345.67`, `12 345 €`.

    Raises ValueError with a French message on anything else.
    """
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
        if "," in text and "." in text:
            # 12.345,67 (French thousands separator) or 12,345.67 (English)
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"« {raw} » n’est pas un montant") from None
    if not value.is_finite():
        raise ValueError(f"« {raw} » n’est pas un montant")
    try:
        cents = to_cents(value)
    except InvalidOperation:
        # More digits in cents than a Decimal holds (1e30): no amount, and no crash either.
        raise ValueError(f"« {raw} » n’est pas un montant") from None
    if value != cents:
        raise ValueError(f"« {raw} » a plus de deux décimales")
    return cents


def format_euros(value: Decimal | None) -> str:
    """`2 395 000,00 €`, grouped with the no-break spaces of Django's French format, so amounts never wrap."""
    if value is None:
        return "—"
    formatted = number_format(to_cents(value), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{formatted}\u00a0€"
