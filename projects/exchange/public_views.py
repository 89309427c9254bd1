"""What anyone may read without signing in: the published results and their open-data file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from projects.enums import CallStatus
from projects.exchange.opendata import FunderIdentityMissing, scdl_filename, write_scdl
from projects.exchange.results import call_results
from projects.exchange.views import attachment
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.models import Call
from projects.permissions import may_download_open_data


@login_not_required
@require_GET
def public_results(request, reference: str):
    """The laureates of a call, once its results are published; before, the page does not exist."""
    call = get_object_or_404(
        Call.objects.select_related("region"), reference=reference, status=CallStatus.RESULTS_PUBLISHED
    )
    return render(request, "projects/exchange/public_results.html", {"call": call, "results": call_results(call)})


@login_not_required
@require_GET
def call_open_data(request, reference: str):
    """The call's award decisions in the SCDL « Subventions » format (CSV)."""
    call = get_object_or_404(Call.objects.select_related("region"), reference=reference)
    if not may_download_open_data(request.user, call):
        raise Http404
    try:
        content = write_scdl(call)
    except FunderIdentityMissing as error:
        messages.error(request, error.message)
        if call.status == CallStatus.RESULTS_PUBLISHED:
            return redirect("projects:public_results", reference=call.reference)
        return redirect("projects:exports")
    # A staff member's download is an export; the public's downloads of published data are not acts.
    if request.user.is_authenticated:
        record(actor=request.user, act=JournalAct.EXPORT, obj=call, data={"what": "scdl"})
    return attachment(content, scdl_filename(call), "text/csv; charset=utf-8")
