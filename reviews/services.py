"""Instruction by the Caf and the DDETS, and the CDSF committee. Keyword-only, typed, no request, no messages.

Refusals raise a DomainError (French message, shown as is) or a ValidationError whose keys
are the form fields (`score_C1`, `amount_2023`, `opinion`, `comment`, `rank`, `reasons`…),
so that a page can put each message next to its field. Nothing is saved when one is raised.
"""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from projects.enums import Status
from projects.exceptions import DomainError, PermissionRefused, TransitionNotAllowed
from projects.models import Application, Call
from projects.money import above_requested, parse_amount
from reviews.enums import DEFAULT_CRITERIA, MeetingStatus, Opinion, ProposalDecision, ReviewerKind
from reviews.minutes import render_minutes
from reviews.models import (
    CommitteeMeeting,
    CommitteeMember,
    CommitteeProposal,
    ConflictDeclaration,
    Criterion,
    ProposedAmount,
    RecommendedAmount,
    Review,
    ReviewScore,
    weighted_total,
)
from reviews.permissions import can_run_committee, is_reviewer, review_kinds

# A review may be written while the file is being instructed (and once it is filed).
REVIEWABLE_STATUSES = frozenset({Status.SUBMITTED, Status.IN_REVIEW})


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
    years = call.programme_years
    outside = sorted(set(amounts_by_year) - set(years))
    if outside:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("Années hors du programme de l’appel : %(years)s.") % {"years": ", ".join(map(str, outside))}
        )
    amounts = {}
    for year in years:
        raw = amounts_by_year.get(year)
        if raw is None or raw == "":
            if complete and requested.get(year):
                errors[amount_key(year)] = _("Indiquez le montant %(what)s pour %(year)s (0 si aucun).") % {
                    "what": what,
                    "year": year,
                }
            continue
        try:
            amount = parse_amount(raw)
        except ValueError:
            errors[amount_key(year)] = _("Indiquez un montant en euros, avec au plus deux décimales.")
            continue
        refusal = above_requested(what=what, year=year, amount=amount, requested=requested)
        if amount < 0:
            errors[amount_key(year)] = _("Le montant ne peut pas être négatif.")
        elif refusal:
            errors[amount_key(year)] = refusal
        else:
            amounts[year] = amount
    return amounts


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


# Committee meetings ----------------------------------------------------------


@dataclass(frozen=True)
class MemberEntry:
    """One member present at a meeting, as the secretariat types it."""

    name: str
    organisation: str
    capacity: str
    conflicts: tuple[Application, ...] = ()


def _check_secretary(meeting: CommitteeMeeting, by) -> None:
    if not can_run_committee(by, meeting.department_id):
        raise PermissionRefused(
            _("Seul le secrétariat du CDSF du département %(department)s peut modifier cette séance.")
            % {"department": meeting.department}
        )


def _locked_open_meeting(meeting: CommitteeMeeting) -> CommitteeMeeting:
    locked = CommitteeMeeting.objects.select_for_update().select_related("call", "department").get(pk=meeting.pk)
    if not locked.is_open:
        raise DomainError(_("La séance du %(date)s est close : elle ne peut plus être modifiée.") % _date(locked))
    return locked


def _date(meeting: CommitteeMeeting) -> dict:
    return {"date": meeting.date.strftime("%d/%m/%Y")}


def create_meeting(*, call: Call, department: Department, date: datetime.date, place: str, by) -> CommitteeMeeting:
    """Open a CDSF meeting for the call in the department. One open meeting at a time per call and department."""
    if not can_run_committee(by, department):
        raise PermissionRefused(
            _("Seul le secrétariat du CDSF du département %(department)s peut y créer une séance.")
            % {"department": department}
        )
    errors = {}
    if department.region_id != call.region_id:
        errors["department"] = _("Ce département n’appartient pas à la région de l’appel à projets.")
    place = place.strip()
    if not place:
        errors["place"] = _("Indiquez le lieu de la séance.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The call row serialises two secretaries opening a meeting at the same moment.
        Call.objects.select_for_update().get(pk=call.pk)
        current = CommitteeMeeting.objects.filter(call=call, department=department, status=MeetingStatus.OPEN).first()
        if current is not None:
            raise DomainError(
                _("Une séance est déjà ouverte pour cet appel dans ce département (le %(date)s) : clôturez-la d’abord.")
                % _date(current)
            )
        return CommitteeMeeting.objects.create(call=call, department=department, date=date, place=place, created_by=by)


def record_members(*, meeting: CommitteeMeeting, by, members: list[MemberEntry]) -> list[CommitteeMember]:
    """Replace the list of the members present, with the files each declared a conflict on."""
    _check_secretary(meeting, by)
    if not members:
        raise ValidationError(_("Indiquez au moins un membre présent."))
    problems = []
    for number, member in enumerate(members, start=1):
        missing = [
            label
            for label, value in (
                (_("nom"), member.name),
                (_("organisme"), member.organisation),
                (_("qualité"), member.capacity),
            )
            if not value.strip()
        ]
        if missing:
            problems.append(
                _("Membre n° %(number)s : indiquez %(fields)s.") % {"number": number, "fields": ", ".join(missing)}
            )
    with transaction.atomic():
        meeting = _locked_open_meeting(meeting)
        agenda = set(meeting.agenda().values_list("pk", flat=True))
        for member in members:
            for application in member.conflicts:
                if application.pk not in agenda:
                    problems.append(
                        _("Le dossier %(reference)s n’est pas examiné par cette séance.")
                        % {"reference": application.reference}
                    )
        if problems:
            raise ValidationError(problems)
        meeting.members.all().delete()
        created = CommitteeMember.objects.bulk_create(
            CommitteeMember(
                meeting=meeting,
                name=member.name.strip(),
                organisation=member.organisation.strip(),
                capacity=member.capacity.strip(),
            )
            for member in members
        )
        Conflict = CommitteeMember.declared_conflicts.through
        Conflict.objects.bulk_create(
            Conflict(committeemember_id=row.pk, application_id=application.pk)
            for row, member in zip(created, members, strict=True)
            for application in {a.pk: a for a in member.conflicts}.values()
        )
    return created


def record_proposal(
    *,
    meeting: CommitteeMeeting,
    application: Application,
    by,
    decision: ProposalDecision | str,
    rank: int | None,
    amounts_by_year: dict[int, Decimal | None],
    reasons: str,
) -> CommitteeProposal:
    """Record (or correct) the committee's proposal for one reviewed file of its department and call.

    Proposed: a rank, unique in the meeting, and an amount per programme year no higher than
    requested, more than zero in all. Not proposed: no rank, no amount. Reasons always.
    """
    _check_secretary(meeting, by)
    errors: dict = {}
    reasons = reasons.strip()
    if not reasons:
        errors["reasons"] = _("Indiquez les motifs de la proposition.")
    if decision not in ProposalDecision.values:
        errors["decision"] = _("Choisissez « proposé » ou « non proposé ».")
    with transaction.atomic():
        meeting = _locked_open_meeting(meeting)
        locked = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        if locked.department_id != meeting.department_id or locked.call_id != meeting.call_id:
            raise DomainError(
                _("Le dossier %(reference)s ne relève pas de cette séance (autre département ou autre appel).")
                % {"reference": locked.reference}
            )
        existing = CommitteeProposal.objects.filter(application=locked).select_related("meeting").first()
        if existing is not None and existing.meeting_id != meeting.pk:
            raise DomainError(
                _("Le dossier %(reference)s a déjà une proposition du CDSF (séance du %(date)s).")
                % {"reference": locked.reference, **_date(existing.meeting)}
            )
        if locked.status != Status.REVIEWED:
            raise TransitionNotAllowed(
                _(
                    "Le dossier %(reference)s n’est pas instruit (statut « %(status)s ») : "
                    "le CDSF ne peut pas encore se prononcer."
                )
                % {"reference": locked.reference, "status": locked.get_status_display()}
            )
        amounts: dict[int, Decimal] = {}
        if decision == ProposalDecision.PROPOSED:
            if rank is None or rank < 1:
                errors["rank"] = _("Indiquez le rang du dossier (1 pour le premier).")
            else:
                taken = meeting.proposals.filter(rank=rank).exclude(application=locked).select_related("application")
                taken = taken.first()
                if taken is not None:
                    errors["rank"] = _("Le rang %(rank)s est déjà attribué au dossier %(reference)s.") % {
                        "rank": rank,
                        "reference": taken.application.reference,
                    }
            amounts = _checked_amounts(
                amounts_by_year=amounts_by_year,
                call=locked.call,
                requested=locked.requested_by_year(),
                complete=False,
                errors=errors,
                what=_("proposé"),
            )
            if not any(amount_key(year) in errors for year in locked.call.programme_years) and not sum(
                amounts.values(), Decimal("0")
            ):
                errors[NON_FIELD_ERRORS] = [_("Un dossier proposé doit recevoir un montant supérieur à zéro.")]
        else:
            rank = None
            for year, raw in amounts_by_year.items():
                if raw in (None, ""):
                    continue
                try:
                    amount = parse_amount(raw)
                except ValueError:
                    amount = None
                if amount != 0:
                    errors[amount_key(year)] = _("Laissez ce montant vide : le dossier n’est pas proposé.")
        if errors:
            raise ValidationError(errors)
        proposal = existing or CommitteeProposal(meeting=meeting, application=locked)
        proposal.decision = decision
        proposal.rank = rank
        proposal.reasons = reasons
        proposal.proposed_total = sum(amounts.values(), Decimal("0"))
        proposal.save()
        proposal.amounts.all().delete()
        ProposedAmount.objects.bulk_create(
            ProposedAmount(proposal=proposal, year=year, amount=amount) for year, amount in sorted(amounts.items())
        )
    return proposal


def delete_proposal(*, proposal: CommitteeProposal, by) -> None:
    """Take a file off the meeting's decisions (it stays `reviewed`), while the meeting is open."""
    _check_secretary(proposal.meeting, by)
    with transaction.atomic():
        _locked_open_meeting(proposal.meeting)
        proposal.delete()


def close_meeting(*, meeting: CommitteeMeeting, by) -> CommitteeMeeting:
    """Close the meeting: apply every proposal to its file and store the minutes (PDF and SHA-256).

    Refused without a member present (the minutes would not be valid) or without any proposal.
    Reviewed files without a proposal are allowed: they stay `reviewed` for the next meeting
    and the minutes list them as postponed. Everything happens in one transaction: if one
    file cannot move (withdrawn meanwhile, say) or the PDF fails, nothing changes.
    """
    _check_secretary(meeting, by)
    stored = None
    try:
        with transaction.atomic():
            meeting = _locked_open_meeting(meeting)
            if not meeting.members.exists():
                raise DomainError(_("Enregistrez les membres présents avant de clore la séance."))
            proposals = list(meeting.proposals.select_related("application").order_by("decision", "rank", "pk"))
            if not proposals:
                raise DomainError(_("Aucune proposition n’est enregistrée : la séance ne peut pas être close."))
            postponed = list(meeting.agenda().filter(proposal__isnull=True).select_related("applicant"))
            for proposal in proposals:
                if proposal.decision == ProposalDecision.PROPOSED:
                    proposal.application.propose(
                        by=by,
                        comment=_("Proposé par le CDSF du %(date)s, rang %(rank)s.")
                        % {**_date(meeting), "rank": proposal.rank},
                    )
                else:
                    proposal.application.not_propose(
                        by=by,
                        comment=_("Non proposé par le CDSF du %(date)s : %(reasons)s")
                        % {**_date(meeting), "reasons": proposal.reasons},
                    )
            meeting.status = MeetingStatus.CLOSED
            meeting.closed_at = timezone.now()
            meeting.closed_by = by
            pdf = render_minutes(meeting=meeting, postponed=postponed)
            meeting.minutes_sha256 = hashlib.sha256(pdf).hexdigest()
            meeting.minutes.save("minutes.pdf", ContentFile(pdf), save=False)
            stored = meeting.minutes.name
            meeting.save(update_fields=["status", "closed_at", "closed_by", "minutes", "minutes_sha256"])
    except BaseException:
        # The file storage is not transactional: do not leave the minutes of a meeting that stays open.
        if stored:
            meeting.minutes.storage.delete(stored)
        raise
    return meeting
