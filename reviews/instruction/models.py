"""The instruction of a file: criteria, the Caf and DDETS reviews, conflict declarations."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.models import Application, Call
from projects.money import YearAmount
from reviews.enums import Opinion, ReviewerKind


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
