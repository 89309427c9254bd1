"""The CDSF committee: meetings, their members and their proposals."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Avg, F, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from projects.enums import Status
from projects.models import Application, Call
from projects.money import MONEY, YearAmount
from reviews.enums import MeetingStatus, ProposalDecision
from reviews.instruction.models import Review


def minutes_path(instance, filename):
    return f"minutes/{instance.call_id}/{instance.department_id}/{instance.pk}-{instance.minutes_sha256[:12]}.pdf"


class CommitteeMeeting(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("appel à projets"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("département")
    )
    date = models.DateField(_("date de la séance"))
    place = models.CharField(_("lieu"), max_length=255)
    status = models.CharField(_("statut"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    minutes = models.FileField(_("procès-verbal"), upload_to=minutes_path, blank=True)
    minutes_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("séance du CDSF")
        verbose_name_plural = _("séances du CDSF")
        ordering = ["-date"]

    def __str__(self):
        return f"CDSF {self.department} — {self.date:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.status == MeetingStatus.OPEN

    def agenda(self):
        """The files before this committee, best average weighted score first.

        An open meeting takes up every reviewed file of its call and department, plus those it
        already has a proposal for; a closed one keeps the files it decided on. The average is
        that of the submitted reviews; ties keep the reference order, so the ranking is stable.
        """
        files = Q(proposal__meeting=self)
        if self.is_open:
            files |= Q(call_id=self.call_id, department_id=self.department_id, status=Status.REVIEWED)
        return (
            Application.objects.filter(files)
            .annotate(average_score=Avg("reviews__total", filter=Q(reviews__submitted_at__isnull=False)))
            .order_by(F("average_score").desc(nulls_last=True), "reference")
        )


def with_submitted_reviews(applications):
    """Prefetch each file's submitted reviews (with their recommended amounts) into `.submitted_reviews`."""
    return applications.prefetch_related(
        Prefetch(
            "reviews",
            queryset=Review.objects.submitted().prefetch_related("recommended_amounts").order_by("kind"),
            to_attr="submitted_reviews",
        )
    )


class CommitteeMember(models.Model):
    meeting = models.ForeignKey(CommitteeMeeting, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("nom et prénom"), max_length=150)
    organisation = models.CharField(_("organisme"), max_length=200)
    capacity = models.CharField(_("qualité"), max_length=200)
    declared_conflicts = models.ManyToManyField(
        Application, blank=True, related_name="+", verbose_name=_("dossiers pour lesquels un conflit est déclaré")
    )

    class Meta:
        verbose_name = _("membre présent")
        verbose_name_plural = _("membres présents")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class CommitteeProposal(models.Model):
    meeting = models.ForeignKey(CommitteeMeeting, on_delete=models.CASCADE, related_name="proposals")
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="proposal")
    decision = models.CharField(_("décision"), max_length=20, choices=ProposalDecision.choices)
    rank = models.PositiveSmallIntegerField(_("rang"), null=True, blank=True)
    reasons = models.TextField(_("motifs"))
    proposed_total = models.DecimalField(_("montant proposé (€)"), **MONEY, default=Decimal("0"))

    class Meta:
        verbose_name = _("proposition du CDSF")
        verbose_name_plural = _("propositions du CDSF")
        ordering = ["meeting", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "rank"], condition=Q(rank__isnull=False), name="unique_rank_per_meeting"
            ),
        ]

    def __str__(self):
        return f"{self.application.reference} — {self.get_decision_display()}"


class ProposalDraft(models.Model):
    """What the secretariat typed on a proposal's form, kept as it is, complete or not, to finish later.

    A draft is no proposal: no rule is checked, the meeting does not count it, and recording the
    proposal deletes it (record_proposal).
    """

    meeting = models.ForeignKey(CommitteeMeeting, on_delete=models.CASCADE, related_name="drafts")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    # The form's fields as typed: {"decision": "proposed", "rank": "2", "amount_2023": "10 000", ...}.
    data = models.JSONField(default=dict)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(_("enregistré le"), auto_now=True)

    class Meta:
        verbose_name = _("brouillon de proposition du CDSF")
        verbose_name_plural = _("brouillons de proposition du CDSF")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "application"], name="one_draft_per_file_and_meeting")
        ]

    def __str__(self):
        return _("Brouillon — %(reference)s") % {"reference": self.application.reference}


class ProposedAmount(YearAmount):
    proposal = models.ForeignKey(CommitteeProposal, on_delete=models.CASCADE, related_name="amounts")

    class Meta(YearAmount.Meta):
        verbose_name = _("montant proposé")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "year"], name="one_proposed_amount_per_year"),
            models.CheckConstraint(name="proposed_amount_non_negative", condition=Q(amount__gte=0)),
        ]
