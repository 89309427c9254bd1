"""The call for projects: its calendar, its envelope, its State/Cnaf split and its optional ceilings."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from departments.models import Department, Region
from departments.permissions import get_scope
from projects.enums import ACCEPTING_CALL_STATUSES, CallStatus, Funder
from projects.exceptions import TransitionNotAllowed
from projects.money import DEFAULT_STATE_SHARE, MONEY, positive_amount


class CallQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Calls of the regions where the user sees at least one department."""
        return self.filter(region__departments__in=get_scope(user).department_ids(Action.VIEW)).distinct()

    def accepting_applications(self):
        return self.filter(status__in=ACCEPTING_CALL_STATUSES)


class Call(models.Model):
    reference = models.SlugField(_("référence"), max_length=40, unique=True, allow_unicode=False)
    title = models.CharField(_("intitulé"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="calls", verbose_name=_("région"))
    opens_on = models.DateField(_("date d’ouverture"))
    closes_on = models.DateField(_("date de clôture"))
    first_year = models.PositiveSmallIntegerField(_("première année du programme"))
    last_year = models.PositiveSmallIntegerField(_("dernière année du programme"))
    envelope = models.DecimalField(_("enveloppe totale (€)"), **MONEY, validators=[positive_amount])
    state_share = models.DecimalField(
        _("part de l’État"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_STATE_SHARE,
        help_text=_("Entre 0 et 1 ; la Cnaf finance le reste."),
    )
    state_budget_reference = models.CharField(_("imputation budgétaire de l’État"), max_length=200, blank=True)
    cnaf_budget_reference = models.CharField(_("imputation budgétaire de la Cnaf"), max_length=200, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=CallStatus.choices, default=CallStatus.DRAFT)
    results_published_at = models.DateTimeField(_("résultats publiés le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("appel à projets")
        verbose_name_plural = _("appels à projets")
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(name="call_years_in_order", condition=Q(first_year__lte=F("last_year"))),
            models.CheckConstraint(name="call_dates_in_order", condition=Q(opens_on__lte=F("closes_on"))),
            models.CheckConstraint(
                name="call_state_share_between_0_and_1", condition=Q(state_share__gte=0, state_share__lte=1)
            ),
            models.CheckConstraint(name="call_envelope_positive", condition=Q(envelope__gt=0)),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    @property
    def programme_years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    @property
    def cnaf_share(self) -> Decimal:
        return Decimal(1) - self.state_share

    @property
    def accepts_applications(self) -> bool:
        return self.status in ACCEPTING_CALL_STATUSES

    @property
    def filing_period_over(self) -> bool:
        """The closing date has passed: no file may still come in, so the results may be published."""
        return timezone.localdate() > self.closes_on

    def set_filing(self, status: CallStatus) -> None:
        """Open or close the call to new files. Its results are published only by publish_results,
        which checks them, and a call whose results are public stays so."""
        if status not in (CallStatus.DRAFT, CallStatus.OPEN, CallStatus.CLOSED):
            raise TransitionNotAllowed(_("Les résultats se publient par « Publier les résultats », qui les vérifie."))
        with transaction.atomic():
            current = Call.objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
            if current == CallStatus.RESULTS_PUBLISHED:
                raise TransitionNotAllowed(
                    _("Les résultats de l’appel %(reference)s sont publiés : son statut ne change plus.")
                    % {"reference": self.reference}
                )
            self.status = status
            self.save(update_fields=["status"])

    def budget_reference(self, funder: Funder) -> str:
        return self.state_budget_reference if funder == Funder.STATE else self.cnaf_budget_reference

    def clean(self):
        if self.first_year and self.last_year and self.first_year > self.last_year:
            raise ValidationError({"last_year": _("La dernière année doit suivre ou égaler la première.")})
        if self.opens_on and self.closes_on and self.opens_on > self.closes_on:
            raise ValidationError({"closes_on": _("La clôture doit suivre l’ouverture.")})


class DepartmentEnvelope(models.Model):
    """An optional ceiling for one department's awards within a call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="department_envelopes")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("département")
    )
    amount = models.DecimalField(_("enveloppe départementale (€)"), **MONEY, validators=[positive_amount])

    class Meta:
        verbose_name = _("enveloppe départementale")
        verbose_name_plural = _("enveloppes départementales")
        constraints = [
            models.UniqueConstraint(fields=["call", "department"], name="one_envelope_per_department"),
            models.CheckConstraint(name="department_envelope_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self):
        return f"{self.call.reference} — {self.department}"

    def clean(self):
        if self.call_id and self.department_id and self.department.region_id != self.call.region_id:
            raise ValidationError(
                {"department": _("Ce département n’appartient pas à la région de l’appel à projets.")}
            )


class YearEnvelope(models.Model):
    """An optional ceiling for the amounts awarded in one programme year of a call (the budget is voted yearly)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="year_envelopes")
    year = models.PositiveSmallIntegerField(_("année du programme"))
    amount = models.DecimalField(_("enveloppe de l’année (€)"), **MONEY, validators=[positive_amount])

    class Meta:
        verbose_name = _("enveloppe annuelle")
        verbose_name_plural = _("enveloppes annuelles")
        ordering = ["call", "year"]
        constraints = [
            models.UniqueConstraint(fields=["call", "year"], name="one_envelope_per_programme_year"),
            models.CheckConstraint(name="year_envelope_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self):
        return f"{self.call.reference} — {self.year}"

    def clean(self):
        if self.call_id and self.year and self.year not in self.call.programme_years:
            raise ValidationError(
                {
                    "year": _("Cette année est hors du programme de l’appel à projets (%(first)s–%(last)s).")
                    % {"first": self.call.first_year, "last": self.call.last_year}
                }
            )
