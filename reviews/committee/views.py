"""CDSF pages: meetings, members present, proposals, closing and minutes; the Committee tab."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from fipe.web import posted_data, stored_file_response
from projects.enums import Status
from projects.exceptions import DomainError
from projects.models import Application, Call
from reviews.access import secretary_meeting_or_404, visible_meeting_or_404
from reviews.committee.agenda import agenda_rows, recommended_total
from reviews.committee.forms import MeetingForm, MemberFormSet, ProposalForm
from reviews.committee.services import (
    MemberEntry,
    close_meeting,
    create_meeting,
    delete_proposal,
    proposal_errors,
    record_members,
    record_proposal,
    save_proposal_draft,
)
from reviews.enums import MeetingStatus, ProposalDecision, ReviewerKind
from reviews.instruction.services import amount_key
from reviews.models import CommitteeMeeting, CommitteeMember, CommitteeProposal, ProposalDraft
from reviews.permissions import can_read_minutes, can_run_committee, declaration_of, declarations_of, sees_summary_only


def _committee_department_ids(user) -> frozenset[int]:
    """Rule: the meeting pages are for the CDSF secretariats; anyone else gets 403."""
    ids = get_scope(user).department_ids(Action.RUN_COMMITTEE)
    if not ids:
        raise PermissionDenied
    return ids


@require_GET
def meeting_list(request):
    department_ids = _committee_department_ids(request.user)
    meetings = (
        CommitteeMeeting.objects.filter(department_id__in=department_ids)
        .select_related("call", "department")
        .annotate(member_count=Count("members", distinct=True), proposal_count=Count("proposals", distinct=True))
        .order_by("-date", "department__code")
    )
    return render(request, "reviews/committee/meeting_list.html", {"meetings": meetings})


@require_http_methods(["GET", "POST"])
def meeting_create(request):
    department_ids = _committee_department_ids(request.user)
    departments = Department.objects.filter(pk__in=department_ids)
    calls = Call.objects.filter(region__departments__in=department_ids).distinct()
    form = MeetingForm(posted_data(request), calls=calls, departments=departments)
    if len(department_ids) == 1 and not form.is_bound:
        form.initial["department"] = next(iter(department_ids))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = create_meeting(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Séance créée : enregistrez maintenant les membres présents."))
            return redirect("reviews:meeting_members", pk=meeting.pk)
    return render(request, "reviews/committee/meeting_form.html", {"form": form})


def _with_year_amounts(rows, years):
    for row in rows:
        row.recommended = {kind: recommended_total(row.reviews.get(kind)) for kind in ReviewerKind}
        proposed = {amount.year: amount.amount for amount in row.proposal.amounts.all()} if row.proposal else {}
        row.proposed_by_year = [proposed.get(year) for year in years]
    return rows


@require_GET
def meeting_detail(request, pk):
    meeting = secretary_meeting_or_404(request.user, pk)
    years = meeting.call.programme_years
    rows = _with_year_amounts(agenda_rows(meeting), years)
    members = list(meeting.members.prefetch_related("declared_conflicts"))
    undecided = [row for row in rows if row.proposal is None]
    return render(
        request,
        "reviews/committee/meeting_detail.html",
        {
            "meeting": meeting,
            "members": members,
            "rows": rows,
            "years": years,
            "undecided": undecided,
            "decided_count": len(rows) - len(undecided),
            "proposed_total": sum((row.proposal.proposed_total for row in rows if row.is_proposed), Decimal("0")),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_members(request, pk):
    meeting = secretary_meeting_or_404(request.user, pk)
    if not meeting.is_open:
        messages.error(request, _("La séance est close : la liste des membres ne peut plus être modifiée."))
        return redirect("reviews:meeting_detail", pk=meeting.pk)
    applications = list(meeting.agenda())
    members = list(meeting.members.prefetch_related("declared_conflicts"))
    initial = [
        {
            "name": member.name,
            "organisation": member.organisation,
            "capacity": member.capacity,
            "conflicts": [str(application.pk) for application in member.declared_conflicts.all()],
        }
        for member in members
    ]
    formset = MemberFormSet(
        posted_data(request),
        initial=initial,
        form_kwargs={"applications": applications},
        prefix="members",
    )
    errors = []
    if request.method == "POST" and formset.is_valid():
        # Blank extra rows come back without cleaned data; rows ticked for deletion are left out.
        entries = [
            MemberEntry(
                name=form.cleaned_data["name"],
                organisation=form.cleaned_data["organisation"],
                capacity=form.cleaned_data["capacity"],
                conflicts=form.conflict_applications(),
            )
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            record_members(meeting=meeting, by=request.user, members=entries)
        except ValidationError as error:
            errors = error.messages
        except DomainError as error:
            errors = [error.message]
        else:
            messages.success(request, _("Liste des membres présents enregistrée."))
            return redirect("reviews:meeting_detail", pk=meeting.pk)
    return render(
        request,
        "reviews/committee/meeting_members.html",
        {"meeting": meeting, "formset": formset, "errors": errors, "page_errors": bool(errors)},
    )


def _agenda_application_or_404(meeting, reference) -> Application:
    """A file of the meeting's call and department; any other answers 404."""
    return get_object_or_404(
        Application.objects.select_related("applicant", "call"),
        reference=reference,
        call_id=meeting.call_id,
        department_id=meeting.department_id,
    )


def _add_rule_errors(form: ProposalForm, meeting, application) -> None:
    """Beside the form's own errors, the rules' errors on the other fields: every error at once."""
    errors = proposal_errors(
        meeting=meeting,
        application=application,
        decision=form.cleaned_data.get("decision", ""),
        rank=form.cleaned_data.get("rank"),
        amounts_by_year=form.amounts(),
        reasons=form.cleaned_data.get("reasons", ""),
    )
    for field, message in errors.items():
        if field not in form.errors:
            form.add_error(None if field == NON_FIELD_ERRORS else field, message)


def _saved_draft(request, meeting, application) -> bool:
    """« Enregistrer le brouillon »: what was typed is kept as it is; whether it was, said in a message."""
    try:
        save_proposal_draft(meeting=meeting, application=application, by=request.user, data=request.POST)
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(
        request, _("Brouillon enregistré : ce n’est pas une proposition tant que vous ne l’avez pas enregistrée.")
    )
    return True


def _proposal_initial(existing: CommitteeProposal | None) -> dict:
    if existing is None:
        return {}
    initial = {"decision": existing.decision, "rank": existing.rank, "reasons": existing.reasons}
    initial.update({amount_key(amount.year): amount.amount for amount in existing.amounts.all()})
    return initial


def _render_proposal(request, meeting, application, *, existing, draft, form, requested):
    """The proposal page: the file's place in the ranking, the amounts requested and recommended, the form."""
    years = meeting.call.programme_years
    rows = [row for row in agenda_rows(meeting) if row.application.pk == application.pk]
    row = _with_year_amounts(rows, years)[0] if rows else None
    recommended = []
    for kind in ReviewerKind:
        review = row.reviews.get(kind) if row is not None else None
        amounts = {amount.year: amount.amount for amount in review.recommended_amounts.all()} if review else {}
        recommended.append({"kind": kind, "review": review, "amounts": amounts})
    return render(
        request,
        "reviews/committee/proposal_form.html",
        {
            "meeting": meeting,
            "application": application,
            "existing": existing,
            "draft": draft,
            "row": row,
            "form": form if meeting.is_open else None,
            "amount_rows": [
                {
                    "year": year,
                    "requested": requested.get(year, Decimal("0")),
                    "recommended": [item["amounts"].get(year) for item in recommended],
                }
                for year in years
            ],
            "recommended": recommended,
            "not_reviewed": application.status != Status.REVIEWED and existing is None,
        },
    )


@require_http_methods(["GET", "POST"])
def proposal(request, pk, reference):
    meeting = secretary_meeting_or_404(request.user, pk)
    application = _agenda_application_or_404(meeting, reference)
    existing = CommitteeProposal.objects.filter(application=application).prefetch_related("amounts").first()
    if existing is not None and existing.meeting_id != meeting.pk:
        raise Http404
    requested = application.requested_by_year()
    initial = _proposal_initial(existing)
    draft = ProposalDraft.objects.filter(meeting=meeting, application=application).select_related("saved_by").first()
    data = posted_data(request)
    if request.method == "POST" and request.POST.get("action") == "draft":
        if _saved_draft(request, meeting, application):
            return redirect("reviews:proposal", pk=meeting.pk, reference=reference)
        # Refused: shown again as typed and unchecked, since a draft is not held to the proposal's rules.
        data, draft, initial = None, None, request.POST.dict()
    if draft is not None:
        initial = draft.data
    form = ProposalForm(data, initial=initial, years=meeting.call.programme_years, requested=requested)
    # A refused draft leaves the form unbound: nothing to check, nothing to record.
    if form.is_bound and request.method == "POST" and not form.is_valid():
        _add_rule_errors(form, meeting, application)
    if form.is_bound and request.method == "POST" and form.is_valid():
        try:
            record_proposal(
                meeting=meeting,
                application=application,
                by=request.user,
                decision=form.cleaned_data["decision"],
                rank=form.cleaned_data["rank"],
                amounts_by_year=form.amounts(),
                reasons=form.cleaned_data["reasons"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Proposition enregistrée pour le dossier %(reference)s.") % {"reference": reference}
            )
            return redirect("reviews:meeting_detail", pk=meeting.pk)
    return _render_proposal(
        request, meeting, application, existing=existing, draft=draft, form=form, requested=requested
    )


@require_POST
def proposal_delete(request, pk, reference):
    meeting = secretary_meeting_or_404(request.user, pk)
    application = _agenda_application_or_404(meeting, reference)
    target = CommitteeProposal.objects.select_related("meeting").filter(application=application).first()
    if target is None:
        # A second click: the proposal is already gone, which is what was asked.
        messages.info(
            request, _("Le dossier %(reference)s n’a pas de proposition à supprimer.") % {"reference": reference}
        )
        return redirect("reviews:meeting_detail", pk=meeting.pk)
    if target.meeting_id != meeting.pk:
        raise Http404
    try:
        delete_proposal(proposal=target, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Proposition supprimée : le dossier %(reference)s reste instruit.") % {"reference": reference}
        )
    return redirect("reviews:meeting_detail", pk=meeting.pk)


@require_http_methods(["GET", "POST"])
def meeting_close(request, pk):
    meeting = secretary_meeting_or_404(request.user, pk)
    if request.method == "POST":
        try:
            close_meeting(meeting=meeting, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Séance close : les propositions sont appliquées et le procès-verbal est disponible.")
            )
        return redirect("reviews:meeting_detail", pk=meeting.pk)
    rows = agenda_rows(meeting)
    return render(
        request,
        "reviews/committee/meeting_close.html",
        {
            "meeting": meeting,
            "member_count": meeting.members.count(),
            "proposed": [row for row in rows if row.is_proposed],
            "not_proposed": [row for row in rows if row.proposal is not None and not row.is_proposed],
            "undecided": [row for row in rows if row.proposal is None],
        },
    )


@require_GET
def minutes(request, pk):
    """The minutes PDF, for whoever may see the department's files."""
    meeting = visible_meeting_or_404(request.user, pk)
    if not meeting.minutes:
        raise Http404
    if not can_read_minutes(request.user, meeting):
        raise PermissionDenied(
            _(
                "Ce procès-verbal porte les notes de dossiers dont vous ne voyez que le résumé : déclarez d’abord "
                "n’avoir aucun conflit d’intérêts avec chacun d’eux."
            )
        )
    filename = f"proces-verbal-cdsf-{meeting.department.code}-{meeting.date:%Y-%m-%d}.pdf"
    return stored_file_response(meeting.minutes, filename=filename, content_type="application/pdf")


def committee_tab_context(application, user) -> dict:
    """Context of templates/reviews/_tab_committee.html, in a constant number of queries."""
    declaration = declaration_of(user, application)
    context = {"application": application, "summary_only": sees_summary_only(user, application, declaration)}
    if context["summary_only"]:
        return {"committee": context}
    joined, current = application.joined("proposal")
    if not joined:
        current = CommitteeProposal.objects.filter(application=application).select_related("meeting").first()
    years = application.call.programme_years
    amounts = {amount.year: amount.amount for amount in current.amounts.all()} if current else {}
    is_secretary = can_run_committee(user, application.department_id)
    open_meeting = None
    if is_secretary and application.status == Status.REVIEWED and current is None:
        open_meeting = CommitteeMeeting.objects.filter(
            call_id=application.call_id, department_id=application.department_id, status=MeetingStatus.OPEN
        ).first()
    context.update(
        proposal=current,
        proposed_by_year=[(year, amounts.get(year)) for year in years],
        is_proposed=current is not None and current.decision == ProposalDecision.PROPOSED,
        member_conflicts=list(CommitteeMember.objects.filter(declared_conflicts=application).select_related("meeting")),
        declarations=declarations_of(application),
        meeting_url=reverse("reviews:meeting_detail", kwargs={"pk": current.meeting_id})
        if current is not None and is_secretary
        else None,
        minutes_url=reverse("reviews:minutes", kwargs={"pk": current.meeting_id})
        if current is not None and current.meeting.minutes and can_read_minutes(user, current.meeting)
        else None,
        proposal_url=reverse("reviews:proposal", kwargs={"pk": open_meeting.pk, "reference": application.reference})
        if open_meeting is not None
        else None,
    )
    return {"committee": context}
