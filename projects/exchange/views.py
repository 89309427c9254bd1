"""Exports of award decisions, publication of the results and the press-release draft."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.enums import AWARDED_STATUSES, CallStatus
from projects.exceptions import DomainError
from projects.exchange.exports import awards_of, export_filename
from projects.exchange.resources import awards_file
from projects.exchange.results import (
    call_results,
    may_publish_results,
    press_release,
    press_release_docx,
    publish_results,
)
from projects.exchange.spreadsheets import FORMATS
from projects.models import Call

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def exportable_calls(user):
    """Calls of the regions where the user may export at least one department's decisions."""
    return Call.objects.filter(region__departments__in=get_scope(user).department_ids(Action.EXPORT)).distinct()


def _exportable_call(user, reference: str) -> Call:
    """A call the user may export from; any other answers 404, as if it did not exist."""
    return get_object_or_404(exportable_calls(user).select_related("region"), reference=reference)


def _require_exporter(user) -> None:
    """The exports page is for users who may export the decisions of at least one department."""
    if not get_scope(user).can_anywhere(Action.EXPORT):
        raise PermissionDenied


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def exports(request):
    _require_exporter(request.user)
    scope = get_scope(request.user)
    exported = scope.department_ids(Action.EXPORT)
    calls = list(
        exportable_calls(request.user)
        .select_related("region")
        .annotate(
            laureate_count=Count(
                "applications",
                filter=Q(applications__status__in=AWARDED_STATUSES, applications__department_id__in=exported),
                distinct=True,
            )
        )
        .order_by("-opens_on")
    )
    departments = list(Department.objects.filter(pk__in=exported).order_by("code").values_list("region_id", "code"))
    approved = scope.department_ids(Action.APPROVE)
    region_departments: dict[int, set[int]] = {}
    for region_id, pk in Department.objects.filter(region_id__in={call.region_id for call in calls}).values_list(
        "region_id", "pk"
    ):
        region_departments.setdefault(region_id, set()).add(pk)
    for call in calls:
        call.exported_codes = [code for region_id, code in departments if region_id == call.region_id]
        # The same rule as projects.exchange.results.may_publish_results, computed for every call at once.
        call.user_publishes = region_departments.get(call.region_id, set()) <= approved
        call.whole_region = region_departments.get(call.region_id, set()) <= exported
        call.published = call.status == CallStatus.RESULTS_PUBLISHED
    return render(request, "projects/exchange/index.html", {"calls": calls, "formats": list(FORMATS)})


@require_GET
def export_awards(request, reference: str, fmt: str):
    """The award decisions of the departments the user may export."""
    if fmt not in FORMATS:
        raise Http404
    _require_exporter(request.user)
    call = _exportable_call(request.user, reference)
    content = awards_file(awards_of(call=call, user=request.user), fmt)
    return attachment(content, export_filename(call.reference, fmt), FORMATS[fmt])


@require_POST
def publish(request, reference: str):
    _require_exporter(request.user)
    call = _exportable_call(request.user, reference)
    if not request.POST.get("confirm"):
        messages.error(request, _("Cochez la case de confirmation pour publier les résultats."))
        return redirect("projects:exports")
    try:
        call = publish_results(call=call, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Les résultats de l’appel %(reference)s sont publiés : %(url)s")
            % {
                "reference": call.reference,
                "url": request.build_absolute_uri(reverse("projects:public_results", args=[call.reference])),
            },
        )
    return redirect("projects:exports")


def _press_release_call(request, reference: str) -> Call:
    """The press-release draft is for the approvers of the call's region, who publish the results."""
    _require_exporter(request.user)
    call = _exportable_call(request.user, reference)
    if not may_publish_results(request.user, call):
        raise PermissionDenied
    return call


@require_GET
def press_release_page(request, reference: str):
    call = _press_release_call(request, reference)
    results = call_results(call)
    return render(
        request,
        "projects/exchange/press_release.html",
        {"call": call, "results": results, "release": press_release(results) if results.count else None},
    )


@require_GET
def press_release_download(request, reference: str):
    call = _press_release_call(request, reference)
    results = call_results(call)
    if not results.count:
        raise Http404
    return attachment(press_release_docx(press_release(results)), f"{call.reference}-communique-de-presse.docx", DOCX)
