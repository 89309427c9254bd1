"""The CDSF committee: its meetings, members and proposals, and closing a meeting."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from departments.models import Department
from projects.enums import Status
from projects.exceptions import DomainError, PermissionRefused, TransitionNotAllowed
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.models import Application, Call
from projects.money import parse_amount
from projects.notifications import events
from reviews.committee.minutes import issue_minutes
from reviews.enums import MeetingStatus, ProposalDecision
from reviews.instruction.services import _checked_amounts, amount_key
from reviews.models import (
    CommitteeMeeting,
    CommitteeMember,
    CommitteeProposal,
    ProposalDraft,
    ProposedAmount,
)
from reviews.permissions import can_run_committee

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
        raise DomainError(
            _("La séance du %(date)s est close : elle ne peut plus être modifiée.") % _date_params(locked)
        )
    return locked


def _date_params(meeting: CommitteeMeeting) -> dict:
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
                % _date_params(current)
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
        Conflict = CommitteeMember.declared_conflicts.through
        # The list is typed again whole each time: only a conflict it did not hold yet is a new declaration.
        declared = set(
            Conflict.objects.filter(committeemember__meeting=meeting).values_list(
                "committeemember__name", "application_id"
            )
        )
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
        conflicts = [
            (row, application)
            for row, member in zip(created, members, strict=True)
            for application in {a.pk: a for a in member.conflicts}.values()
        ]
        Conflict.objects.bulk_create(
            Conflict(committeemember_id=row.pk, application_id=application.pk) for row, application in conflicts
        )
        for row, application in conflicts:
            if (row.name, application.pk) not in declared:
                record(
                    actor=by,
                    act=JournalAct.CONFLICT_DECLARED,
                    obj=application,
                    data={"meeting": meeting.pk, "member": row.name, "organisation": row.organisation},
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
    _check_reasons(reasons, errors)
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
                % {"reference": locked.reference, **_date_params(existing.meeting)}
            )
        if locked.status != Status.REVIEWED:
            raise TransitionNotAllowed(
                _(
                    "Le dossier %(reference)s n’est pas instruit (statut « %(status)s ») : "
                    "le CDSF ne peut pas encore se prononcer."
                )
                % {"reference": locked.reference, "status": locked.get_status_display()}
            )
        rank, amounts = _check_proposal(
            meeting=meeting,
            application=locked,
            decision=decision,
            rank=rank,
            amounts_by_year=amounts_by_year,
            errors=errors,
        )
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
        ProposalDraft.objects.filter(meeting=meeting, application=locked).delete()
    return proposal


# A proposal's form holds a few lines of reasons; the bound keeps a forged post from filling the table.
DRAFT_MAX_CHARS = 20_000


def save_proposal_draft(*, meeting: CommitteeMeeting, application: Application, by, data) -> ProposalDraft:
    """Keep what was typed on a file's proposal form, complete or not, while the meeting is open.

    Only the form's fields are kept, as text. No rule of a proposal is checked: the draft is
    checked when it is recorded as the proposal.
    """
    _check_secretary(meeting, by)
    names = ["decision", "rank", "reasons", *(amount_key(year) for year in meeting.call.programme_years)]
    # NUL has no place in a form's text, and PostgreSQL's JSON refuses it.
    typed = {name: str(data.get(name, "")).replace("\x00", "") for name in names}
    if not any(value.strip() for value in typed.values()):
        raise DomainError(_("Le formulaire est vide : il n’y a rien à garder en brouillon."))
    if sum(len(value) for value in typed.values()) > DRAFT_MAX_CHARS:
        raise DomainError(
            _("Le brouillon dépasse %(count)s caractères : raccourcissez les motifs.")
            % {"count": number_format(DRAFT_MAX_CHARS, force_grouping=True)}
        )
    with transaction.atomic():
        meeting = _locked_open_meeting(meeting)
        if not meeting.agenda().filter(pk=application.pk).exists():
            raise DomainError(
                _("Le dossier %(reference)s n’est pas examiné par cette séance.") % {"reference": application.reference}
            )
        draft, _created = ProposalDraft.objects.update_or_create(
            meeting=meeting, application=application, defaults={"data": typed, "saved_by": by}
        )
    return draft


def _check_reasons(reasons: str, errors: dict) -> None:
    if not (reasons or "").strip():
        errors["reasons"] = _("Indiquez les motifs de la proposition.")


def _check_proposal(
    *, meeting: CommitteeMeeting, application: Application, decision: str, rank, amounts_by_year, errors: dict
) -> tuple[int | None, dict[int, Decimal]]:
    """The rank and amounts of a proposal, each problem added to `errors` under its field."""
    amounts: dict[int, Decimal] = {}
    if decision == ProposalDecision.PROPOSED:
        if rank is None or rank < 1:
            errors["rank"] = _("Indiquez le rang du dossier (1 pour le premier).")
        else:
            taken = meeting.proposals.filter(rank=rank).exclude(application=application).select_related("application")
            taken = taken.first()
            if taken is not None:
                errors["rank"] = _("Le rang %(rank)s est déjà attribué au dossier %(reference)s.") % {
                    "rank": rank,
                    "reference": taken.application.reference,
                }
        amounts = _checked_amounts(
            amounts_by_year=amounts_by_year,
            call=application.call,
            requested=application.requested_by_year(),
            complete=False,
            errors=errors,
            what=_("proposé"),
        )
        if not any(amount_key(year) in errors for year in application.call.programme_years) and not sum(
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
    return rank, amounts


def proposal_errors(
    *, meeting: CommitteeMeeting, application: Application, decision: str, rank, amounts_by_year, reasons: str
) -> dict:
    """Every problem record_proposal would find with these values, without saving anything.

    A form that refuses some fields itself shows the rules' other refusals with its own at once,
    rather than one after the other across submissions.
    """
    errors: dict = {}
    _check_reasons(reasons, errors)
    if decision in ProposalDecision.values:
        _check_proposal(
            meeting=meeting,
            application=Application.objects.select_related("call").get(pk=application.pk),
            decision=decision,
            rank=rank,
            amounts_by_year=amounts_by_year,
            errors=errors,
        )
    return errors


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
                        % {**_date_params(meeting), "rank": proposal.rank},
                    )
                else:
                    proposal.application.not_propose(
                        by=by,
                        comment=_("Non proposé par le CDSF du %(date)s : %(reasons)s")
                        % {**_date_params(meeting), "reasons": proposal.reasons},
                    )
            meeting.status = MeetingStatus.CLOSED
            meeting.closed_at = timezone.now()
            meeting.closed_by = by
            document = issue_minutes(meeting=meeting, postponed=postponed)
            stored = document.file.name
            meeting.minutes_sha256 = document.sha256
            meeting.minutes.name = stored
            meeting.save(update_fields=["status", "closed_at", "closed_by", "minutes", "minutes_sha256"])
            events.committee_closed(meeting=meeting, proposals=proposals)
    except BaseException:
        # The file storage is not transactional: do not leave the minutes of a meeting that stays open.
        if stored:
            meeting.minutes.storage.delete(stored)
        raise
    return meeting
