"""Pages of the follow-up: the « Suivi » tab and page of a laureate, report filing and review, recoveries,
conventions, and the follow-up dashboard of a call."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from departments.enums import Action
from departments.permissions import get_scope
from fipe import freshness
from fipe.web import breadcrumb, posted_data, stored_file_response
from projects.exceptions import DomainError
from projects.followup import conventions, permissions, services
from projects.followup.dashboard import followup_dashboard, write_dashboard
from projects.followup.forms import RecoveryForm, ReportForm, ReviewForm, SignedCopyForm, apply_errors
from projects.followup.models import (
    REPORT_STATE_LABELS,
    Convention,
    ConventionVersion,
    Recovery,
    ReportStatus,
    ReportVersion,
    YearlyReport,
    report_due_on,
)
from projects.followup.schedule import followups
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.models import Application, Award, Call, FundingLine
from projects.shortcuts import visible_application

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def followup_tab_context(application: Application, user, *, recovery_form=None, signed_copy_form=None) -> dict:
    """The « Suivi » tab: convention, schedule per line, reports per year, recoveries (a fixed number of queries)."""
    found = followups(application=application)
    if not found:
        return {"followup": None}
    followup = found[0]
    followup.award.application = application
    today = timezone.localdate()
    department = application.department_id
    can_review = permissions.can_review_reports(user, department)
    versions = {}
    for version in ReportVersion.objects.filter(report__award=followup.award).select_related("filed_by", "decided_by"):
        versions.setdefault(version.report_id, []).append(version)
    reports = []
    for year in sorted(followup.amounts):
        report = followup.reports.get(year)
        state = followup.report_state(year, today)
        reports.append(
            {
                "year": year,
                "due_on": report_due_on(year),
                "report": report,
                "state": state,
                "state_label": REPORT_STATE_LABELS[state],
                "versions": versions.get(report.pk, []) if report else [],
                "review_form": ReviewForm(prefix=f"review{year}")
                if can_review and report and report.status == ReportStatus.FILED
                else None,
            }
        )
    convention = followup.convention
    if can_review and recovery_form is None and any(item.paid > item.recovered for item in followup.lines):
        recovery_form = RecoveryForm(lines=[item.line for item in followup.lines])
    return {
        "followup": followup,
        "followup_reports": reports,
        "followup_recoveries": list(
            Recovery.objects.filter(line__award=followup.award).select_related("line", "recorded_by")
        ),
        "followup_versions": list(convention.versions.select_related("document")) if convention else [],
        "followup_can_file": permissions.can_file_reports(user, department),
        "followup_can_review": can_review,
        "followup_can_convention": permissions.can_manage_conventions(user, department),
        "followup_recovery_form": recovery_form if can_review else None,
        "followup_signed_copy_form": signed_copy_form or SignedCopyForm(),
    }


def _render_followup(request, application, status=200, **forms):
    context = followup_tab_context(application, request.user, **forms)
    if context["followup"] is None:
        raise Http404(_("Ce dossier n’a pas de subvention attribuée."))
    return render(
        request,
        "projects/followup/followup_detail.html",
        {
            "application": application,
            "breadcrumb_data": breadcrumb(
                _("Suivi %(reference)s") % {"reference": application.reference},
                (_("Suivi des lauréats"), reverse("projects:followup_calls")),
            ),
            **context,
        },
        status=status,
    )


def _here(application) -> str:
    return reverse("projects:followup_detail", args=[application.reference])


@require_GET
def followup_detail(request, reference):
    return _render_followup(request, visible_application(request.user, reference))


def _award(application) -> Award:
    return get_object_or_404(Award, application=application)


# Reports -------------------------------------------------------------------------


def report_file(request, reference):
    application = visible_application(request.user, reference)
    award = _award(application)
    if not permissions.can_file_reports(request.user, application.department_id):
        raise PermissionDenied
    years = services.report_years(award)
    initial = {"year": request.GET.get("annee")} if request.GET.get("annee") else {}
    form = ReportForm(
        posted_data(request), initial=initial, years=years, indicators=services.indicators_of(application.call)
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.file_report(award=award, by=request.user, **form.report())
        except ValidationError as error:
            apply_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Compte rendu %(year)s déposé (version %(number)s).")
                % {"year": version.report.year, "number": version.number},
            )
            return redirect(_here(application))
    return render(
        request,
        "projects/followup/report_form.html",
        {
            "application": application,
            "form": form,
            "breadcrumb_data": breadcrumb(
                _("Compte rendu annuel"), (_("Suivi %(reference)s") % {"reference": reference}, _here(application))
            ),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def report_review(request, reference, year):
    application = visible_application(request.user, reference)
    report = get_object_or_404(YearlyReport, award__application=application, year=year)
    if not permissions.can_review_reports(request.user, application.department_id):
        raise PermissionDenied
    form = ReviewForm(request.POST, prefix=f"review{year}")
    if form.is_valid():
        try:
            services.review_report(
                report=report,
                by=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Examen du compte rendu %(year)s enregistré.") % {"year": year})
            return redirect(_here(application))
    errors = " ".join(message for messages_ in form.errors.values() for message in messages_)
    messages.error(request, _("Examen non enregistré : %(errors)s") % {"errors": errors})
    return redirect(_here(application))


# Recoveries ----------------------------------------------------------------------


@require_POST
def recovery_create(request, reference):
    application = visible_application(request.user, reference)
    award = _award(application)
    if not permissions.can_review_reports(request.user, application.department_id):
        raise PermissionDenied
    form = RecoveryForm(request.POST, lines=list(FundingLine.objects.filter(award=award)))
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = YearlyReport.objects.filter(award=award, year=data["line"].year).first()
            services.record_recovery(
                line=data["line"], by=request.user, amount=data["amount"], reason=data["reason"], report=report
            )
        except ValidationError as error:
            apply_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Reversement enregistré sur la ligne %(line)s.") % {"line": data["line"].label})
            return redirect(_here(application))
    return _render_followup(request, application, status=400, recovery_form=form)


# Conventions ---------------------------------------------------------------------


def _convention_application(request, reference) -> Application:
    application = visible_application(request.user, reference)
    if not permissions.can_manage_conventions(request.user, application.department_id):
        raise PermissionDenied
    return application


@require_POST
def convention_generate(request, reference):
    application = _convention_application(request, reference)
    try:
        version = conventions.generate_convention(award=_award(application), by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Convention version %(version)s produite (empreinte SHA-256 %(sha)s…).")
            % {"version": version.version, "sha": version.sha256[:12]},
        )
    return redirect(_here(application))


CONVENTION_STEPS = {"envoyee": conventions.mark_convention_sent, "contresignee": conventions.countersign_convention}


@require_POST
def convention_step(request, reference, step):
    application = _convention_application(request, reference)
    if step not in CONVENTION_STEPS:
        raise Http404
    convention = get_object_or_404(Convention, award__application=application)
    try:
        CONVENTION_STEPS[step](convention=convention, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Suivi de la convention enregistré."))
    return redirect(_here(application))


@require_POST
def convention_signed_copy(request, reference):
    application = _convention_application(request, reference)
    convention = get_object_or_404(Convention, award__application=application)
    form = SignedCopyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            conventions.receive_signed_copy(
                convention=convention, by=request.user, uploaded=form.cleaned_data["signed_copy"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Exemplaire signé par le porteur enregistré."))
            return redirect(_here(application))
    return _render_followup(request, application, status=400, signed_copy_form=form)


@require_GET
def convention_download(request, reference, pk):
    application = visible_application(request.user, reference)
    version = get_object_or_404(ConventionVersion, pk=pk, convention__award__application=application)
    name = f"{application.reference}-convention-v{version.version}.pdf"
    return stored_file_response(version.file, filename=name, content_type="application/pdf")


# Dashboard -----------------------------------------------------------------------


def _dashboard_terms(request, reference) -> dict:
    """followup_dashboard's arguments for this user and request."""
    call = get_object_or_404(Call.objects.visible_to(request.user).select_related("region"), reference=reference)
    return {
        "call": call,
        "department_ids": get_scope(request.user).department_ids(Action.VIEW),
        "department_code": request.GET.get("departement", ""),
        "today": timezone.localdate(),
    }


@require_GET
def followup_dashboard_view(request, reference):
    """The dashboard as its visitor saw it last while no data has changed since, that day; its figures are
    shared by everyone who sees the same departments."""
    code = request.GET.get("departement", "")
    # A department code no department has (at most three characters) is computed every time, never kept.
    kept = len(code) <= 3

    def page() -> dict:
        terms = _dashboard_terms(request, reference)
        call = terms["call"]

        def figures() -> str:
            return render_to_string(
                "projects/followup/_dashboard.html", {"call": call, "dashboard": followup_dashboard(**terms)}
            )

        key = (call.pk, sorted(terms["department_ids"]), code, terms["today"])
        return {
            "reference": call.reference,
            "figures": freshness.cached("followup-dashboard", key, figures) if kept else figures(),
        }

    parts = freshness.cached("followup-dashboard-page", freshness.visit(request), page) if kept else page()
    return render(
        request,
        "projects/followup/dashboard.html",
        {
            **parts,
            "breadcrumb_data": breadcrumb(
                parts["reference"], (_("Suivi des lauréats"), reverse("projects:followup_calls"))
            ),
        },
    )


@require_GET
def followup_export(request, reference, fmt):
    if fmt not in EXPORT_TYPES:
        raise Http404
    terms = _dashboard_terms(request, reference)
    call, dashboard = terms["call"], followup_dashboard(**terms)
    record(actor=request.user, act=JournalAct.EXPORT, obj=call, data={"what": "followup", "format": fmt})
    response = HttpResponse(write_dashboard(dashboard, fmt), content_type=EXPORT_TYPES[fmt])
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{call.reference}-suivi-{stamp}.{fmt}"'
    return response
