from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Avg, F, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from projects.enums import Status
from projects.models import MONEY, Application, Call, YearAmount
from reviews.enums import MeetingStatus, Opinion, ProposalDecision, ReviewerKind


class Criterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("appel à projets"))
    code = models.CharField(_("code"), max_length=10)
    label = models.CharField(_("intitulé"), max_length=255)
    weight = models.PositiveSmallIntegerField(_("pondération"), default=1)
    max_score = models.PositiveSmallIntegerField(_("note maximale"), default=5)

    class Meta:
        verbose_name = _("critère d’évaluation")
        verbose_name_plural = _("critères d’évaluation")
        ordering = ["call", "code"]
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="unique_criterion_code_per_call"),
            models.CheckConstraint(name="criterion_weight_positive", condition=Q(weight__gt=0)),
            models.CheckConstraint(name="criterion_max_score_positive", condition=Q(max_score__gt=0)),
        ]

    def __str__(self):
        return f"{self.code} — {self.label}"

    def clean(self):
        """The grid is frozen once the call's first review exists: scores already given would change meaning."""
        if not self.call_id or not grid_is_locked(self.call_id):
            return
        if self.pk is None:
            raise ValidationError(
                _("Des avis existent déjà pour cet appel à projets : on ne peut plus ajouter de critère.")
            )
        stored = Criterion.objects.values("code", "weight", "max_score").get(pk=self.pk)
        changed = [name for name, value in stored.items() if getattr(self, name) != value]
        if changed:
            raise ValidationError(
                {
                    name: _("Des avis existent déjà pour cet appel à projets : ce champ ne peut plus être modifié.")
                    for name in changed
                }
            )


def grid_is_locked(call) -> bool:
    """Whether the call's criteria are frozen: true from its first review (draft or submitted)."""
    call_id = call if isinstance(call, int) else call.pk
    return Review.objects.filter(application__call_id=call_id).exists()


def weighted_total(scores: dict[int, int], criteria) -> Decimal:
    """Total out of 100: Σ(weight × score / max) / Σ weight × 100, rounded to 0.1 point."""
    criteria = list(criteria)
    total_weight = sum(c.weight for c in criteria)
    if not total_weight:
        return Decimal("0")
    points = sum(Decimal(c.weight) * Decimal(scores.get(c.pk, 0)) / Decimal(c.max_score) for c in criteria)
    return (points * 100 / total_weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class ReviewQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(submitted_at__isnull=False)


class Review(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(_("organisme"), max_length=10, choices=ReviewerKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("auteur")
    )
    opinion = models.CharField(_("avis"), max_length=20, choices=Opinion.choices, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    # Computed from the scores when the review is saved, so that lists can rank without recomputing.
    total = models.DecimalField(_("note pondérée sur 100"), max_digits=4, decimal_places=1, default=Decimal("0"))
    submitted_at = models.DateTimeField(_("transmis le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("avis d’instruction")
        verbose_name_plural = _("avis d’instruction")
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="one_review_per_application_and_body"),
            models.CheckConstraint(name="review_total_between_0_and_100", condition=Q(total__gte=0, total__lte=100)),
        ]

    def __str__(self):
        return f"{self.application.reference} — {self.get_kind_display()}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("note"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion")]

    def __str__(self):
        return f"{self.criterion_id}: {self.score}"


class RecommendedAmount(YearAmount):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="recommended_amounts")

    class Meta(YearAmount.Meta):
        verbose_name = _("montant recommandé")
        constraints = [
            models.UniqueConstraint(fields=["review", "year"], name="one_recommended_amount_per_year"),
            models.CheckConstraint(name="recommended_amount_non_negative", condition=Q(amount__gte=0)),
        ]


class ConflictDeclaration(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflict_declarations")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflict_declarations")
    has_conflict = models.BooleanField(_("conflit d’intérêts déclaré"))
    note = models.TextField(_("précisions"), blank=True)
    declared_at = models.DateTimeField(_("déclaré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("déclaration de conflit d’intérêts")
        verbose_name_plural = _("déclarations de conflit d’intérêts")
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="one_declaration_per_user_and_file")
        ]

    def __str__(self):
        return f"{self.user} — {self.application.reference}"


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


class ProposedAmount(YearAmount):
    proposal = models.ForeignKey(CommitteeProposal, on_delete=models.CASCADE, related_name="amounts")

    class Meta(YearAmount.Meta):
        verbose_name = _("montant proposé")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "year"], name="one_proposed_amount_per_year"),
            models.CheckConstraint(name="proposed_amount_non_negative", condition=Q(amount__gte=0)),
        ]
