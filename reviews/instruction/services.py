"""The instruction of a file: criteria, conflict declarations, the Caf and DDETS reviews."""

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.enums import REVIEWABLE_STATUSES, Status
from projects.exceptions import DomainError, PermissionRefused, TransitionNotAllowed
from projects.models import Application, Call
from projects.money import check_year_amounts
from reviews.enums import DEFAULT_CRITERIA, Opinion, ReviewerKind
from reviews.models import (
    CommitteeProposal,
    ConflictDeclaration,
    Criterion,
    RecommendedAmount,
    Review,
    ReviewScore,
    weighted_total,
)
from reviews.permissions import can_run_committee, is_reviewer, review_kinds

# A review may be written while the file is being instructed (and once it is filed).


def score_key(code: str) -> str:
    """The form field (and error key) of the score of one criterion."""
    return f"score_{code}"


def amount_key(year: int) -> str:
    """The form field (and error key) of the amount of one programme year."""
    return f"amount_{year}"


# Criteria -------------------------------------------------------------------


def give_default_criteria(*, call: Call) -> None:
    """Give the call the default FIPE grid, unless it already has criteria of its own."""
    if call.criteria.exists():
        return
    Criterion.objects.bulk_create(
        Criterion(call=call, code=code, label=str(label), weight=weight, max_score=max_score)
        for code, label, weight, max_score in DEFAULT_CRITERIA
    )


# Conflicts of interest ------------------------------------------------------


def declare_conflict(*, application: Application, user, has_conflict: bool, note: str = "") -> ConflictDeclaration:
    """Record whether the instructor has a conflict of interest with the file.

    Made once, before the full file is shown. A later declaration may reveal a conflict that
    has arisen since, but never withdraw one: a declared conflict keeps blocking the reviewer.
    """
    if not is_reviewer(user, application):
        raise PermissionRefused(
            _("Seuls les instructeurs de la Caf et de la DDETS du département déclarent leurs conflits d’intérêts.")
        )
    if application.status == Status.DRAFT:
        raise TransitionNotAllowed(_("Le dossier n’est pas encore déposé : il n’est pas à instruire."))
    note = note.strip()
    if has_conflict and not note:
        raise ValidationError(
            {"note": _("Précisez la nature du conflit d’intérêts (lien avec le porteur ou le projet).")}
        )
    with transaction.atomic():
        declaration = ConflictDeclaration.objects.select_for_update().filter(user=user, application=application).first()
        if declaration is None:
            return ConflictDeclaration.objects.create(
                user=user, application=application, has_conflict=has_conflict, note=note
            )
        if declaration.has_conflict and not has_conflict:
            raise DomainError(_("Vous avez déclaré un conflit d’intérêts sur ce dossier : il ne peut pas être retiré."))
        if has_conflict and not declaration.has_conflict:
            declaration.has_conflict = True
            declaration.note = note
            declaration.save(update_fields=["has_conflict", "note"])
        return declaration


# Reviews --------------------------------------------------------------------


def reviewer_kind(*, user, application: Application, kind: ReviewerKind | str | None = None) -> ReviewerKind:
    """Which review the user writes: the one of the body through which they instruct the department."""
    kinds = review_kinds(user, application.department_id)
    if kind is None:
        if not kinds:
            raise PermissionRefused(
                _("Seuls les instructeurs de la Caf et de la DDETS du département rédigent un avis sur ce dossier.")
            )
        if len(kinds) > 1:
            raise DomainError(_("Vous instruisez pour la Caf et pour la DDETS : précisez l’avis que vous rédigez."))
        return kinds[0]
    kind = ReviewerKind(kind)
    if kind not in kinds:
        raise PermissionRefused(
            _("Seuls les instructeurs de la %(body)s du département rédigent l’avis de la %(body)s.")
            % {"body": kind.label}
        )
    return kind


def _check_may_review(application: Application, author) -> None:
    if application.status not in REVIEWABLE_STATUSES:
        raise TransitionNotAllowed(
            _("Le dossier %(reference)s est au statut « %(status)s » : son instruction n’est pas ouverte.")
            % {"reference": application.reference, "status": application.get_status_display()}
        )
    declaration = ConflictDeclaration.objects.filter(user=author, application=application).first()
    if declaration is None:
        raise DomainError(_("Déclarez d’abord si vous avez un conflit d’intérêts avec ce dossier."))
    if declaration.has_conflict:
        raise PermissionRefused(
            _("Vous avez déclaré un conflit d’intérêts sur ce dossier : vous ne pouvez pas l’instruire.")
        )


def _checked_amounts(
    *,
    amounts_by_year: dict[int, Decimal | None],
    call: Call,
    requested: dict[int, Decimal],
    complete: bool,
    errors: dict,
    what: str,
) -> dict[int, Decimal]:
    """The amounts per programme year, each between 0 and the amount requested that year.

    `complete`: every year with an amount requested must have one (0 is an answer).
    """
    checked = check_year_amounts(
        amounts_by_year,
        years=call.programme_years,
        requested=requested,
        what=what,
        required_years=[year for year in call.programme_years if complete and requested.get(year)],
    )
    for year, problem in checked.problems.items():
        if year in call.programme_years:
            errors[amount_key(year)] = problem
        else:
            errors.setdefault(NON_FIELD_ERRORS, []).append(problem)
    return checked.amounts


def _whole_number(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    return int(text) if text.lstrip("-").isdigit() else None


def _checked_scores(*, scores: dict[str, int | None], criteria: list[Criterion], complete: bool, errors: dict):
    by_code = {criterion.code: criterion for criterion in criteria}
    unknown = sorted(set(scores) - set(by_code))
    if unknown:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("Critères inconnus pour cet appel : %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    checked: dict[int, int] = {}
    for criterion in criteria:
        raw = scores.get(criterion.code)
        if raw is None or raw == "":
            if complete:
                errors[score_key(criterion.code)] = _("Notez ce critère avant de transmettre l’avis.")
            continue
        score = _whole_number(raw)
        if score is None or not 0 <= score <= criterion.max_score:
            errors[score_key(criterion.code)] = _("La note doit être un nombre entier entre 0 et %(max)s.") % {
                "max": criterion.max_score
            }
            continue
        checked[criterion.pk] = score
    return checked


def save_review(
    *,
    application: Application,
    author,
    scores: dict[str, int | None],
    opinion: str,
    amounts_by_year: dict[int, Decimal | None],
    comment: str,
    submit: bool,
    kind: ReviewerKind | str | None = None,
) -> Review:
    """Save the Caf or DDETS review of a file (the author's body's), as a draft or submitted.

    `scores` maps criterion codes to scores; `amounts_by_year` the recommended amount per
    programme year. A draft may be incomplete; a submitted review is complete and read-only.
    Starting the first review moves the file to `in_review`; when the Caf and the DDETS
    reviews are both submitted, it moves to `reviewed`. The file row is locked so that two
    reviewers submitting at once are checked one after the other.
    """
    kind = reviewer_kind(user=author, application=application, kind=kind)
    errors: dict = {}
    opinion = opinion or ""
    comment = comment.strip()
    if opinion and opinion not in Opinion.values:
        errors["opinion"] = _("Choisissez un avis dans la liste.")
    elif submit and not opinion:
        errors["opinion"] = _("Choisissez un avis avant de transmettre.")
    elif submit and opinion != Opinion.FAVOURABLE and not comment:
        errors["comment"] = _("Motivez un avis réservé ou défavorable dans le commentaire.")
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        _check_may_review(locked, author)
        review = Review.objects.filter(application=locked, kind=kind).first()
        if review is not None and review.is_submitted:
            raise DomainError(
                _("L’avis de la %(body)s est transmis : il ne peut plus être modifié, sauf réouverture par le CDSF.")
                % {"body": kind.label}
            )
        criteria = list(locked.call.criteria.all())
        if not criteria:
            raise DomainError(_("Aucun critère d’évaluation n’est défini pour cet appel à projets."))
        checked_scores = _checked_scores(scores=scores, criteria=criteria, complete=submit, errors=errors)
        amounts = _checked_amounts(
            amounts_by_year=amounts_by_year,
            call=locked.call,
            requested=locked.requested_by_year(),
            complete=submit,
            errors=errors,
            what=_("recommandé"),
        )
        if errors:
            raise ValidationError(errors)
        if review is None:
            review = Review(application=locked, kind=kind)
        review.author = author
        review.opinion = opinion
        review.comment = comment
        review.total = weighted_total(checked_scores, criteria)
        review.submitted_at = timezone.now() if submit else None
        review.save()
        review.scores.all().delete()
        ReviewScore.objects.bulk_create(
            ReviewScore(review=review, criterion_id=criterion_id, score=score)
            for criterion_id, score in checked_scores.items()
        )
        review.recommended_amounts.all().delete()
        RecommendedAmount.objects.bulk_create(
            RecommendedAmount(review=review, year=year, amount=amount) for year, amount in sorted(amounts.items())
        )
        if locked.status == Status.SUBMITTED:
            locked.start_review(by=author)
        if submit and Review.objects.submitted().filter(application=locked).count() == len(ReviewerKind):
            locked.mark_reviewed(by=author, comment=_("Avis de la Caf et de la DDETS transmis."))
    application.status = locked.status
    return review


def reopen_review(*, review: Review, by, reason: str) -> Review:
    """Reopen a submitted review at the committee's request; the file goes back to `in_review`.

    The reason is kept in the file's history (the reopen_review transition). A file the
    committee has already recorded a proposal for must lose it first.
    """
    application = review.application
    if not can_run_committee(by, application.department_id):
        raise PermissionRefused(_("Seul le secrétariat du CDSF du département peut rouvrir un avis."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de la réouverture.")})
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("application").get(pk=review.pk)
        if not review.is_submitted:
            raise DomainError(_("Cet avis n’est pas transmis : il n’y a rien à rouvrir."))
        proposal = CommitteeProposal.objects.filter(application_id=review.application_id).select_related("meeting")
        proposal = proposal.first()
        if proposal is not None and proposal.meeting.is_open:
            raise DomainError(
                _(
                    "Le CDSF a déjà une proposition pour ce dossier (séance du %(date)s) : "
                    "supprimez-la avant de rouvrir l’instruction."
                )
                % {"date": proposal.meeting.date.strftime("%d/%m/%Y")}
            )
        review.application.reopen_review(
            by=by,
            comment=_("Avis de la %(body)s rouvert : %(reason)s")
            % {"body": ReviewerKind(review.kind).label, "reason": reason},
        )
        review.submitted_at = None
        review.save(update_fields=["submitted_at", "updated_at"])
    application.status = review.application.status
    return review
