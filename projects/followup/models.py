"""Following the laureates over the programme: the call's payment terms, conventions, yearly reports, recoveries."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.money import MONEY, format_euros

# The indicators a call asks for when it sets none of its own (code, label).
DEFAULT_INDICATORS = [
    ["children", "Enfants accueillis ou accompagnés"],
    ["families", "Familles touchées"],
    ["places", "Places ou heures d’accueil créées"],
    ["professionals", "Professionnels formés"],
]


def default_indicators() -> list[list[str]]:
    return [list(pair) for pair in DEFAULT_INDICATORS]


class FollowupTerms(models.Model):
    """What a call sets for the follow-up of its laureates: the advance share of each year and the indicators.

    A call without terms keeps payments free of conditions (only the line minus recoveries bounds them).
    """

    call = models.OneToOneField("projects.Call", on_delete=models.CASCADE, related_name="followup_terms")
    advance_percent = models.DecimalField(
        _("part versée en avance (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "Part de chaque année versée une fois la convention signée (ou la lettre notifiée quand aucune "
            "convention n’est requise) ; le solde l’est une fois le compte rendu de l’année accepté."
        ),
    )
    indicators = models.JSONField(
        _("indicateurs d’activité"),
        default=default_indicators,
        help_text=_('Liste de paires [code, libellé], par exemple ["children", "Enfants accueillis"].'),
    )

    class Meta:
        verbose_name = _("modalités de suivi d’un appel")
        verbose_name_plural = _("modalités de suivi des appels")
        constraints = [
            models.CheckConstraint(
                name="followup_advance_between_0_and_100",
                condition=Q(advance_percent__gte=0, advance_percent__lte=100),
            )
        ]

    def __str__(self):
        return f"{self.call.reference} — {self.advance_percent} %"


class Convention(models.Model):
    """The convention of an award above the annual threshold, and where its signature stands."""

    award = models.OneToOneField("projects.Award", on_delete=models.PROTECT, related_name="convention")
    sent_at = models.DateTimeField(_("envoyée au porteur le"), null=True, blank=True)
    signed_copy = models.FileField(_("exemplaire signé par le porteur"), upload_to="conventions/signed/", blank=True)
    signed_copy_sha256 = models.CharField(_("empreinte SHA-256 de l’exemplaire signé"), max_length=64, blank=True)
    signed_received_at = models.DateTimeField(_("exemplaire signé reçu le"), null=True, blank=True)
    # Empty when staff uploaded the signed copy; the laureate's address when they did, from their space.
    signed_copy_by_applicant = models.EmailField(_("exemplaire signé déposé par le porteur"), blank=True)
    countersigned_at = models.DateTimeField(_("contresignée le"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")

    def __str__(self):
        return f"{self.award.application.reference} — {self.get_stage_display()}"

    STAGES = {
        "generated": _("Générée, à envoyer"),
        "sent": _("Envoyée, en attente de signature"),
        "returned": _("Signée par le porteur, à contresigner"),
        "countersigned": _("Signée par les parties"),
    }

    @property
    def stage(self) -> str:
        if self.countersigned_at:
            return "countersigned"
        if self.signed_received_at:
            return "returned"
        if self.sent_at:
            return "sent"
        return "generated"

    def get_stage_display(self) -> str:
        return str(self.STAGES[self.stage])

    @property
    def is_signed(self) -> bool:
        return self.countersigned_at is not None


def convention_path(instance, filename):
    return f"conventions/{instance.convention.award_id}/convention-v{instance.version}-{instance.sha256[:12]}.pdf"


class ConventionVersion(models.Model):
    """One generated version of a convention; earlier versions are kept with their SHA-256.

    Each is signed and issued like the decision letters: its `document` is what /verifier/ knows, and
    `file` names the same stored PDF.
    """

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("fichier PDF"), upload_to=convention_path)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    # Null only for the versions generated before conventions were signed.
    document = models.OneToOneField(
        "projects.IssuedDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="convention_version",
        verbose_name=_("document émis"),
    )
    generated_at = models.DateTimeField(_("générée le"), default=timezone.now)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("version de convention")
        verbose_name_plural = _("versions de conventions")
        ordering = ["convention", "-version"]
        constraints = [models.UniqueConstraint(fields=["convention", "version"], name="one_convention_version")]

    def __str__(self):
        return f"{self.convention.award.application.reference} — v{self.version}"


class ReportStatus(models.TextChoices):
    FILED = "filed", _("Déposé, à examiner")
    CORRECTIONS = "corrections", _("Corrections demandées")
    ACCEPTED = "accepted", _("Accepté")


def report_due_on(year: int) -> datetime.date:
    """The compte rendu financier of a year is due within six months of its end (arrêté du 11 octobre 2006)."""
    return datetime.date(year + 1, 6, 30)


# Reports are announced this long before they are due.
REMINDER_WINDOW = datetime.timedelta(days=30)


def report_state(*, year: int, status: str | None, today: datetime.date) -> str:
    """Where one report stands on `today`: accepted, filed, late, today, soon or later (corrections before due).

    A report sent back for corrections is late as one never filed once its due date has passed.
    """
    if status in (ReportStatus.ACCEPTED, ReportStatus.FILED):
        return status
    due = report_due_on(year)
    if today > due:
        return "late"
    if today == due:
        return "today"
    if due - today <= REMINDER_WINDOW:
        return "soon"
    return status or "later"


REPORT_STATE_LABELS = {
    "accepted": _("Accepté"),
    "filed": _("Déposé, à examiner"),
    "corrections": _("Corrections demandées"),
    "late": _("En retard"),
    "today": _("À déposer aujourd’hui"),
    "soon": _("À déposer sous 30 jours"),
    "later": _("À venir"),
}


class ReportReminder(models.Model):
    """A reminder sent about one programme year's report at one stage (soon, today, late): sent once only,
    however often the daily command runs."""

    award = models.ForeignKey("projects.Award", on_delete=models.CASCADE, related_name="report_reminders")
    year = models.PositiveSmallIntegerField(_("année"))
    stage = models.CharField(
        _("étape"), max_length=5, choices=[(stage, REPORT_STATE_LABELS[stage]) for stage in ("soon", "today", "late")]
    )
    sent_on = models.DateField(_("relance du"))
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)

    class Meta:
        verbose_name = _("relance de compte rendu")
        verbose_name_plural = _("relances de comptes rendus")
        ordering = ["award", "year", "sent_at"]
        constraints = [models.UniqueConstraint(fields=["award", "year", "stage"], name="one_reminder_per_stage")]

    def __str__(self):
        return f"{self.award.application.reference} — {self.year} — {self.get_stage_display()}"


class YearlyReport(models.Model):
    """The compte rendu financier and the activity of one laureate for one programme year."""

    award = models.ForeignKey("projects.Award", on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField(_("année"))
    status = models.CharField(_("état"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.FILED)
    # The latest version's figures, kept here so that the dashboard sums them in one query.
    subsidy_used = models.DecimalField(_("subvention FIPE utilisée (€)"), **MONEY, default=Decimal("0"))
    indicators = models.JSONField(_("indicateurs"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("compte rendu annuel")
        verbose_name_plural = _("comptes rendus annuels")
        ordering = ["award", "year"]
        constraints = [models.UniqueConstraint(fields=["award", "year"], name="one_report_per_award_year")]

    def __str__(self):
        return f"{self.award.application.reference} — {self.year}"

    @property
    def due_on(self) -> datetime.date:
        return report_due_on(self.year)


class ReportVersion(models.Model):
    """One filing of a report, with the review it received: the report's history."""

    report = models.ForeignKey(YearlyReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    # {"expenses": {code: {"planned": "1234.00", "actual": "1200.00"}}, "income": {…}}: the Cerfa n° 15059 table.
    financial = models.JSONField(_("compte rendu financier"))
    subsidy_used = models.DecimalField(_("subvention FIPE utilisée (€)"), **MONEY)
    gaps_explanation = models.TextField(_("explication des écarts"), blank=True)
    indicators = models.JSONField(_("indicateurs"), default=dict)
    comment = models.TextField(_("commentaire libre"), blank=True)
    # A member of staff on the laureate's behalf, or (by empty) the laureate from their space, by their address.
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    filed_by_applicant = models.EmailField(_("déposé par le porteur"), blank=True)
    filed_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    decision = models.CharField(_("décision"), max_length=12, choices=ReportStatus.choices, blank=True)
    decision_message = models.TextField(_("message"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("examiné le"), null=True, blank=True)

    class Meta:
        verbose_name = _("version de compte rendu")
        verbose_name_plural = _("versions de comptes rendus")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="one_report_version_number"),
            models.CheckConstraint(name="report_subsidy_used_non_negative", condition=Q(subsidy_used__gte=0)),
        ]

    def __str__(self):
        return f"{self.report} — v{self.number}"

    @property
    def filer(self) -> str:
        if self.filed_by is None:
            return _("%(email)s (porteur de projet)") % {"email": self.filed_by_applicant}
        return self.filed_by.get_full_name() or self.filed_by.username


class Recovery(models.Model):
    """Money to be paid back on a funding line (subsidy not used); never more than was paid on it."""

    line = models.ForeignKey("projects.FundingLine", on_delete=models.PROTECT, related_name="recoveries")
    amount = models.DecimalField(_("montant à reverser (€)"), **MONEY)
    reason = models.TextField(_("motif"))
    report = models.ForeignKey(YearlyReport, on_delete=models.PROTECT, related_name="recoveries", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("enregistré le"), default=timezone.now)

    class Meta:
        verbose_name = _("reversement")
        verbose_name_plural = _("reversements")
        ordering = ["recorded_at", "pk"]
        constraints = [models.CheckConstraint(name="recovery_positive", condition=Q(amount__gt=0))]

    def __str__(self):
        return f"{self.line} — {format_euros(self.amount)}"
