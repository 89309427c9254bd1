"""The region's approval of the laureates: the calls waiting for it, the approval screen, the rejection of a file."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from departments.enums import Action
from departments.permissions import get_scope
from fipe.web import breadcrumb, posted_data
from projects.awards.approval import waiting_proposals
from projects.awards.dashboard import approval_envelopes, call_dashboard, selection_by_year
from projects.awards.forms import (
    ProposalRowForm,
    ProposalRowInputs,
    RejectForm,
    proposal_row_inputs,
    selection_changes,
    sign_selection,
)
from projects.awards.permissions import approval_department_ids, visible_call
from projects.awards.services import approve_selection, reject_application
from projects.enums import Status
from projects.exceptions import DomainError, SelectionRefused
from projects.models import Application, Call
from projects.money import format_euros
from projects.workflow import TRANSITIONS


@require_GET
def approval_calls(request):
    scope = get_scope(request.user)
    ids = scope.department_ids(Action.APPROVE)
    if not ids:
        raise PermissionDenied
    waiting = (
        Application.objects.filter(call=OuterRef("pk"), status=Status.PROPOSED, department_id__in=ids)
        .order_by()
        .values("call")
        .annotate(count=Count("pk"))
        .values("count")
    )
    calls = (
        Call.objects.filter(region__departments__in=ids)
        .distinct()
        .select_related("region")
        .annotate(waiting=Coalesce(Subquery(waiting), 0))
    )
    return render(request, "projects/awards/approval_calls.html", {"calls": calls})


# Approval screen -----------------------------------------------------------------


@dataclass
class ProposalRow:
    # The committee's proposal and the two opinions, as `WaitingProposal` describes them.
    proposal: Any
    application: Application
    # None on a blank screen: the inputs are then prefilled without building a form (see RowInput).
    form: ProposalRowForm | None
    inputs: ProposalRowInputs
    opinions: list
    detail_url: str
    reject_url: str


def _reference_urls(name: str, key: str, **kwargs) -> Callable[[str], str]:
    """The URL `name` of an application reference passed as `key`, reversing the pattern only once.

    The approval screen links a few hundred rows; reverse() per link was a tenth of its time.
    References are slugs, which a URL carries as they are.
    """
    marker = "application-reference"
    pattern = reverse(name, kwargs={**kwargs, key: marker})
    before, after = pattern.split(marker)
    return lambda reference: f"{before}{reference}{after}"


def _proposal_rows(call: Call, department_ids, data=None) -> list[ProposalRow]:
    years = call.programme_years
    detail_url = _reference_urls("projects:application_detail", "reference")
    reject_url = _reference_urls("projects:approval_reject", "application", reference=call.reference)
    rows = []
    for waiting in waiting_proposals(call, department_ids):
        proposal = waiting.proposal
        proposal.application.call = call
        prefix = f"p{proposal.application.pk}"
        proposed = {amount.year: amount.amount for amount in proposal.amounts.all()}
        form = None if data is None else ProposalRowForm(data, prefix=prefix, years=years, proposed=proposed)
        inputs = proposal_row_inputs(form, prefix=prefix, years=years, proposed=proposed)
        reference = proposal.application.reference
        urls = detail_url(reference), reject_url(reference)
        rows.append(ProposalRow(proposal, proposal.application, form, inputs, waiting.opinions, *urls))
    return rows


def _stray_references(request, call: Call, rows: list[ProposalRow]) -> list[str]:
    """The files selected in the post that are not waiting on this screen: no longer proposed, or forged.

    Each is named by its reference where the user may see it, by the id posted otherwise.
    """
    waiting = {str(row.application.pk) for row in rows}
    posted = {key.removeprefix("p").removesuffix("-selected") for key in request.POST if key.endswith("-selected")}
    posted |= {request.POST.get("approve_one", "")} - {""}
    strays = sorted(posted - waiting)
    ids = [int(pk) for pk in strays if pk.isdigit() and len(pk) < 12]
    known = {
        str(pk): ref
        for pk, ref in Application.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", "reference")
    }
    return [known.get(pk, f"n° {pk[:20]}") for pk in strays]


@dataclass
class PostedSelection:
    """What a post of the approval screen came to: the rows it chose, the refusals naming their file,
    whether to show the confirmation step, whether the selection was committed."""

    chosen: list[ProposalRow]
    failures: list[tuple[str, str]]
    confirm_step: bool = False
    committed: bool = False


def _posted_selection(request, call: Call, rows: list[ProposalRow]) -> PostedSelection:
    """Check a selection (the confirmation step comes next) or commit the one confirmed; refuse a file
    that is not waiting, a bad amount, an empty selection, a selection changed since its check."""
    one = request.POST.get("approve_one")
    action = "check" if one else request.POST.get("action", "")
    chosen = [row for row in rows if (str(row.application.pk) == one if one else row.form.is_selected)]
    posted = PostedSelection(chosen, [])
    strays = _stray_references(request, call, rows)
    valid = all(row.form.is_valid() for row in chosen)
    selection = [(row.application, row.form.amounts()) for row in chosen if row.form.is_valid()]
    if strays:
        posted.failures = [(reference, _("ce dossier n’est pas en attente de validation.")) for reference in strays]
    elif not valid:
        messages.error(request, _("Corrigez les montants signalés dans le tableau."))
    elif action in ("check", "approve") and not selection:
        messages.error(request, _("Sélectionnez au moins un dossier à retenir."))
    elif action in ("check", "approve"):
        posted.confirm_step = True
    elif action == "confirm":
        changes = selection_changes(request.POST.get("token", ""), selection, user=request.user)
        if changes:
            references = {row.application.pk: row.application.reference for row in rows}
            changed = ", ".join(sorted(references.get(pk, f"n° {pk}") for pk in changes))
            posted.failures = [(changed, _("la sélection a changé depuis sa vérification : vérifiez-la de nouveau."))]
        else:
            try:
                awards = approve_selection(applications_amounts=selection, by=request.user)
            except SelectionRefused as error:
                posted.failures = error.failures
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _approved_message(awards))
                posted.committed = True
    return posted


def approval(request, reference):
    """The proposals waiting for the regional approver; a selection is checked, then committed on confirmation."""
    call = visible_call(request.user, reference)
    department_ids = approval_department_ids(request.user, call)
    if not department_ids:
        raise PermissionDenied
    rows = _proposal_rows(call, department_ids, posted_data(request))
    posted = PostedSelection([], [])
    if request.method == "POST":
        posted = _posted_selection(request, call, rows)
        if posted.committed:
            return redirect("projects:approval", reference=call.reference)
    selection = [(row.application, row.form.amounts()) for row in posted.chosen if row.form.is_valid()]
    envelopes = [
        row
        for row in approval_envelopes(call_dashboard(call), selection)
        if row.department_id is None or row.department_id in department_ids
    ]
    context = {
        "call": call,
        "years": call.programme_years,
        "envelopes": envelopes,
        "selection_total": sum((sum(amounts.values(), Decimal("0")) for _a, amounts in selection), Decimal("0")),
        "selection_count": len(selection),
        "rows": rows,
        "failures": posted.failures,
        "page_errors": bool(posted.failures),
        "breadcrumb_data": breadcrumb(
            call.reference, (_("Validation des lauréats"), reverse("projects:approval_calls"))
        ),
    }
    if posted.confirm_step:
        context.update(
            chosen=posted.chosen,
            chosen_ids={row.application.pk for row in posted.chosen},
            by_year=selection_by_year(call, selection),
            token=sign_selection(selection, user=request.user),
            exceeded=any(row.exceeded for row in envelopes),
        )
        return render(request, "projects/awards/approval_confirm.html", context)
    context.update(not_proposed=_not_proposed(call, department_ids), waiting_total=_waiting_total(rows))
    return render(request, "projects/awards/approval.html", context)


def _approved_message(awards) -> str:
    total = sum((award.total for award in awards), Decimal("0"))
    return ngettext(
        "%(count)d dossier retenu comme lauréat (%(references)s), pour %(total)s.",
        "%(count)d dossiers retenus comme lauréats (%(references)s), pour %(total)s.",
        len(awards),
    ) % {
        "count": len(awards),
        "references": ", ".join(award.application.reference for award in awards),
        "total": format_euros(total),
    }


def _waiting_total(rows) -> Decimal:
    return sum((row.proposal.proposed_total for row in rows), Decimal("0"))


def _not_proposed(call: Call, department_ids) -> list[Application]:
    """The files the committees did not propose, which the approver may only reject."""
    not_proposed = list(
        Application.objects.filter(call=call, department_id__in=department_ids, status=Status.NOT_PROPOSED)
        .select_related("department", "applicant", "proposal")
        .order_by("department__code", "reference")
    )
    detail_url = _reference_urls("projects:application_detail", "reference")
    reject_url = _reference_urls("projects:approval_reject", "application", reference=call.reference)
    for application in not_proposed:
        application.detail_url = detail_url(application.reference)
        application.reject_url = reject_url(application.reference)
    return not_proposed


def reject(request, reference, application):
    call = visible_call(request.user, reference)
    application = get_object_or_404(
        Application.objects.visible_to(request.user).select_related("department", "applicant", "proposal"),
        call=call,
        reference=application,
    )
    if not get_scope(request.user).can(Action.APPROVE, application.department_id):
        raise PermissionDenied
    if application.status not in TRANSITIONS["reject"].sources:
        messages.error(
            request,
            _("Le dossier %(reference)s ne peut plus être rejeté (statut « %(status)s »).")
            % {"reference": application.reference, "status": application.get_status_display()},
        )
        return redirect("projects:approval", reference=call.reference)
    form = RejectForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            reject_application(application=application, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Le dossier %(reference)s est rejeté.") % {"reference": application.reference})
            return redirect("projects:approval", reference=call.reference)
    breadcrumb_data = breadcrumb(
        _("Rejet de %(reference)s") % {"reference": application.reference},
        (_("Validation des lauréats"), reverse("projects:approval_calls")),
        (call.reference, reverse("projects:approval", args=[call.reference])),
    )
    return render(
        request,
        "projects/awards/approval_reject.html",
        {"call": call, "application": application, "form": form, "breadcrumb_data": breadcrumb_data},
    )
