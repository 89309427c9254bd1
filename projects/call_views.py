"""Pages of calls for projects: the list, one call's figures by status and department, and the index of
calls that leads to one capability's dashboard (funding, follow-up)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from departments.enums import Action
from departments.permissions import get_scope
from fipe.web import breadcrumb
from projects.models import Application, Call
from projects.money import split
from projects.permissions import can_key_in_applications, may_download_open_data
from projects.views import list_link, status_counts


@require_GET
def call_list(request):
    calls = (
        Call.objects.filter(pk__in=Call.objects.visible_to(request.user).values("pk"))
        .select_related("region")
        .order_by("-opens_on")
    )
    return render(
        request,
        "projects/call_list.html",
        {"calls": calls, "breadcrumb_data": breadcrumb(_("Appels à projets"), list_link())},
    )


@require_GET
def call_index(request, *, template: str):
    """The calls the user may see, each leading to one capability's dashboard: `template` says which
    (funding, follow-up of the laureates)."""
    if not get_scope(request.user).can_anywhere(Action.VIEW):
        raise PermissionDenied
    calls = Call.objects.visible_to(request.user).select_related("region")
    return render(request, template, {"calls": calls})


@require_GET
def call_detail(request, reference):
    call = get_object_or_404(
        Call.objects.filter(pk__in=Call.objects.visible_to(request.user).values("pk")).select_related("region"),
        reference=reference,
    )
    applications = Application.objects.visible_to(request.user).filter(call=call)
    rows, total = status_counts(applications)
    departments = (
        applications.order_by("department__code")
        .values("department__code", "department__name")
        .annotate(count=Count("pk"), requested=Sum("requested_total"))
    )
    state_part, cnaf_part = split(call.envelope, call.state_share)
    scope = get_scope(request.user)
    return render(
        request,
        "projects/call_detail.html",
        {
            "call": call,
            "status_rows": rows,
            "status_total": total,
            "departments": departments,
            "department_envelopes": call.department_envelopes.select_related("department").order_by("department__code"),
            "state_part": state_part,
            "cnaf_part": cnaf_part,
            "state_percent": call.state_share * 100,
            "cnaf_percent": call.cnaf_share * 100,
            "sees_whole_region": scope.department_ids(Action.VIEW)
            >= set(call.region.departments.values_list("pk", flat=True)),
            "can_key_in": can_key_in_applications(request.user) and call.accepts_applications,
            "can_download_open_data": may_download_open_data(request.user, call),
            "breadcrumb_data": breadcrumb(
                call.reference, list_link(), (_("Appels à projets"), reverse("projects:call_list"))
            ),
        },
    )
