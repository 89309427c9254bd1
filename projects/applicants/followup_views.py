"""The laureate's follow-up in their space: the convention sent to them, its signed copy, the yearly reports.

As every page of the space, each reads the signed-in address's files only: another file, or a file that
is not a notified laureate, answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fipe.web import breadcrumb, posted_data
from projects.applicants import followup
from projects.applicants.views import (
    applicant_download,
    applicant_required,
    file_url,
    own_application,
    space_link,
    today,
)
from projects.exceptions import DomainError
from projects.followup.forms import ReportForm, SignedCopyForm, apply_errors, initial_from_version
from projects.followup.services import indicators_of


def laureate_file(request, pk):
    """The applicant's laureate file and its award; 404 for any other file."""
    application = own_application(request, pk)
    award = followup.laureate_award(application)
    if award is None:
        raise Http404
    return application, award


def page_breadcrumb(application, title: str) -> dict:
    return breadcrumb(title, space_link(), (application.title, file_url(application)))


@require_GET
@applicant_required
def applicant_convention(request, pk):
    """The convention as it was sent to the laureate."""
    application, award = laureate_file(request, pk)
    _convention, version = followup.sent_convention(award)
    if version is None:
        raise Http404
    return applicant_download(version.file, f"Convention {application.reference}.pdf", "application/pdf")


@require_http_methods(["GET", "POST"])
@applicant_required
def applicant_signed_copy(request, pk):
    application, award = laureate_file(request, pk)
    convention = getattr(award, "convention", None)
    if convention is None:
        raise Http404
    form = SignedCopyForm(posted_data(request), request.FILES or None)
    if form.is_valid():
        try:
            followup.return_signed_copy(
                application=application, email=request.applicant_email, uploaded=form.cleaned_data["signed_copy"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(file_url(application))
        else:
            messages.success(request, _("Votre exemplaire signé de la convention est transmis aux services."))
            return redirect(f"{file_url(application)}#suivi")
    return render(
        request,
        "projects/applicants/signed_copy.html",
        {
            "application": application,
            "convention": convention,
            "awaits": followup.awaits_signed_copy(convention),
            "form": form,
            "breadcrumb_data": page_breadcrumb(application, _("Convention signée")),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@applicant_required
def applicant_report(request, pk):
    """File a year's report (or file it again once sent back for corrections), as staff do for the laureate."""
    application, award = laureate_file(request, pk)
    rows = followup.due_reports(award, today())
    open_rows = {row.year: row for row in rows if row.can_file}
    if not open_rows:
        messages.info(request, _("Aucun compte rendu n’est à déposer pour ce dossier."))
        return redirect(f"{file_url(application)}#suivi")
    chosen = open_rows.get(int(request.GET["annee"])) if request.GET.get("annee", "").isdigit() else None
    # A report sent back for corrections opens with the figures last filed.
    initial = {**initial_from_version(chosen.latest), "year": chosen.year} if chosen else {}
    form = ReportForm(
        posted_data(request), initial=initial, years=list(open_rows), indicators=indicators_of(application.call)
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = followup.file_laureate_report(
                application=application, email=request.applicant_email, **form.report()
            )
        except ValidationError as error:
            apply_errors(form, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(file_url(application))
        else:
            messages.success(
                request,
                _("Compte rendu %(year)s transmis aux services (version %(number)s).")
                % {"year": version.report.year, "number": version.number},
            )
            return redirect(f"{file_url(application)}#suivi")
    return render(
        request,
        "projects/applicants/report_form.html",
        {
            "application": application,
            "form": form,
            "corrections": [row for row in open_rows.values() if row.latest and row.latest.decision_message],
            "breadcrumb_data": page_breadcrumb(application, _("Compte rendu annuel")),
        },
        status=400 if form.errors else 200,
    )
