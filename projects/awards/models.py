"""Awards of the laureates: amounts per year, funding lines per funder and year, payments."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.enums import (
    Funder,
)
from projects.money import MONEY, YearAmount, format_euros, positive_amount, requires_convention


class Award(models.Model):
    """The approved grant of a laureate; its amounts per year and its funding lines are rows below it."""

    application = models.OneToOneField("projects.Application", on_delete=models.PROTECT, related_name="award")
    total = models.DecimalField(_("montant total attribué (€)"), **MONEY, validators=[positive_amount])
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("validé par")
    )
    approved_at = models.DateTimeField(_("validé le"), default=timezone.now)
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("subvention attribuée")
        verbose_name_plural = _("subventions attribuées")
        constraints = [models.CheckConstraint(name="award_total_positive", condition=Q(total__gt=0))]

    def __str__(self):
        return f"{self.application.reference} — {format_euros(self.total)}"

    @property
    def requires_convention(self) -> bool:
        """Above the threshold in any one year (read from the amounts, prefetched by the pages that list awards)."""
        return requires_convention(amount.amount for amount in self.amounts.all())


class AwardAmount(YearAmount):
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="amounts")

    class Meta(YearAmount.Meta):
        verbose_name = _("montant attribué par année")
        constraints = [
            models.UniqueConstraint(fields=["award", "year"], name="one_award_amount_per_year"),
            models.CheckConstraint(name="award_amount_positive", condition=Q(amount__gt=0)),
        ]


CHORUS_COMMITMENT = re.compile(r"\d{10}")
CAF_COMMITMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./_-]{1,48}[A-Za-z0-9]")


class FundingLineQuerySet(models.QuerySet):
    def with_paid(self):
        return self.annotate(paid=models.functions.Coalesce(Sum("payments__amount"), Decimal("0")))


class FundingLine(models.Model):
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="lines")
    funder = models.CharField(_("financeur"), max_length=10, choices=Funder.choices)
    year = models.PositiveSmallIntegerField(_("année"))
    amount = models.DecimalField(_("montant (€)"), **MONEY, validators=[positive_amount])
    budget_reference = models.CharField(_("imputation budgétaire"), max_length=200, blank=True)
    commitment_number = models.CharField(
        _("numéro d’engagement"),
        max_length=50,
        blank=True,
        help_text=_("Engagement juridique Chorus pour l’État, référence Caf pour la Cnaf."),
    )

    objects = FundingLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("ligne de financement")
        verbose_name_plural = _("lignes de financement")
        ordering = ["year", "funder"]
        constraints = [
            models.UniqueConstraint(fields=["award", "funder", "year"], name="one_line_per_award_funder_year"),
            models.CheckConstraint(name="funding_line_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self):
        return f"{self.award.application.reference} — {self.label}"

    @property
    def label(self) -> str:
        """« État 2023 », « Cnaf 2024 »: how staff name a line. From the enum, not get_funder_display(),
        which rebuilds the field's choices at each call: the dashboards name thousands of lines."""
        return f"{Funder(self.funder).label} {self.year}"

    @property
    def remaining(self) -> Decimal:
        """Left to pay; needs the `paid` annotation of FundingLine.objects.with_paid()."""
        return self.amount - self.paid

    def normalise_commitment_number(self, number: str) -> str:
        """The commitment number as stored, or ValidationError when it has not the funder's form.

        State lines carry the ten-digit number of the legal commitment (EJ) in Chorus; Cnaf lines
        the Caf's own reference, whose form varies from one Caf to another.
        """
        number = (number or "").strip()
        if not number:
            return ""
        if self.funder == Funder.STATE:
            if not CHORUS_COMMITMENT.fullmatch(number):
                raise ValidationError(
                    _("Le numéro d’engagement juridique Chorus compte 10 chiffres (par exemple 2103456789).")
                )
        elif not CAF_COMMITMENT.fullmatch(number):
            raise ValidationError(
                _(
                    "La référence Caf compte de 3 à 50 caractères : lettres, chiffres, tirets, points, barres "
                    "obliques (par exemple CAF-31-2023-0042)."
                )
            )
        return number


class Payment(models.Model):
    line = models.ForeignKey(FundingLine, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("date du versement"))
    amount = models.DecimalField(_("montant versé (€)"), **MONEY, validators=[positive_amount])
    reference = models.CharField(_("référence du versement"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("versement")
        ordering = ["paid_on", "pk"]
        constraints = [models.CheckConstraint(name="payment_positive", condition=Q(amount__gt=0))]

    def __str__(self):
        return f"{self.line} — {format_euros(self.amount)} le {self.paid_on:%d/%m/%Y}"
