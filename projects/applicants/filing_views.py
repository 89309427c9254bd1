"""Filing online from the applicant's space, in three steps: the organisation and the project,
the documents the call requires, then the summary and « Déposer »."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fipe.web import breadcrumb, posted_data
from projects.applicants import services
from projects.applicants.forms import OnlineApplicantForm, OnlineApplicationForm, RequiredDocumentForm
from projects.applicants.views import applicant_required, file_url, own_application, space_link, today
from projects.exceptions import DomainError
from projects.models import Applicant, Application, Call


def filing_steps(application: Application | None, current: int) -> dict:
    return {
        "current": current,
        "titles": [_("Organisme et projet"), _("Pièces justificatives"), _("Récapitulatif et dépôt")],
        "application": application,
    }


def project_page(request, call: Call, application: Application | None):
    """Step 1, for a new draft or to correct one: the organisation and the project, saved together."""
    data = posted_data(request)
    applicant = (
        application.applicant
        if application
        else (Applicant.objects.filter(contact_email__iexact=request.applicant_email).order_by("-pk").first())
    )
    applicant_form = OnlineApplicantForm(data, prefix="applicant", instance=applicant, email=request.applicant_email)
    application_form = OnlineApplicationForm(data, call=call, instance=application)
    if data is not None and applicant_form.is_valid() and application_form.is_valid():
        try:
            with transaction.atomic():
                application = services.save_draft(
                    email=request.applicant_email,
                    call=call,
                    applicant=applicant_form.save(),
                    department=application_form.cleaned_data["department"],
                    amounts_by_year=application_form.amounts_by_year(),
                    application=application,
                    today=today(),
                    **application_form.application_fields(),
                )
        except ValidationError as error:
            application_form.add_error(None, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("projects:applicant_home")
        else:
            messages.success(request, _("Brouillon enregistré."))
            return redirect("projects:applicant_documents", pk=application.pk)
    return render(
        request,
        "projects/applicants/filing_project.html",
        {
            "call": call,
            "applicant_form": applicant_form,
            "application_form": application_form,
            "steps": filing_steps(application, 1),
            "breadcrumb_data": breadcrumb(_("Déposer un dossier"), space_link()),
        },
    )


@require_http_methods(["GET", "POST"])
@applicant_required
def applicant_file_new(request, reference):
    call = get_object_or_404(Call.objects.select_related("region"), reference=reference)
    try:
        services.check_open_for_filing(call, today())
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("projects:applicant_home")
    return project_page(request, call, None)


def own_draft(request, pk) -> Application:
    application = own_application(request, pk)
    try:
        services.check_draft(application, request.applicant_email)
        services.check_open_for_filing(application.call, today())
    except DomainError as error:
        messages.error(request, error.message)
        raise DraftClosed(application) from None
    return application


class DraftClosed(Exception):
    def __init__(self, application):
        self.application = application


def draft_view(view):
    """The draft's pages answer a filed draft, or one whose call closed, with its follow page."""

    @wraps(view)
    def wrapped(request, pk):
        try:
            application = own_draft(request, pk)
        except DraftClosed as closed:
            return redirect(file_url(closed.application))
        return view(request, application)

    return wrapped


@require_http_methods(["GET", "POST"])
@applicant_required
@draft_view
def applicant_draft_edit(request, application):
    return project_page(request, application.call, application)


@require_http_methods(["GET", "POST"])
@applicant_required
@draft_view
def applicant_documents(request, application):
    """Step 2: one file per document the call requires; a new file replaces the previous one."""
    form = RequiredDocumentForm(posted_data(request), request.FILES or None, application=application)
    if form.is_valid():
        try:
            services.attach_required_document(
                application=application,
                requirement=form.cleaned_data["requirement"],
                uploaded_file=form.cleaned_data["file"],
                email=request.applicant_email,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Pièce « %(label)s » enregistrée.") % {"label": form.cleaned_data["requirement"].label}
            )
            return redirect("projects:applicant_documents", pk=application.pk)
    provided = {attachment.requirement_id: attachment for attachment in application.attachments.all()}
    documents = [(document, provided.get(document.pk)) for document in application.call.required_documents.all()]
    return render(
        request,
        "projects/applicants/filing_documents.html",
        {
            "application": application,
            "documents": documents,
            "form": form,
            "steps": filing_steps(application, 2),
            "breadcrumb_data": breadcrumb(_("Déposer un dossier"), space_link()),
        },
    )


@require_http_methods(["GET", "POST"])
@applicant_required
@draft_view
def applicant_submit(request, application):
    """Step 3: the summary, and « Déposer »."""
    errors = []
    if request.method == "POST":
        try:
            services.submit_online(application=application, email=request.applicant_email, today=today())
        except ValidationError as error:
            errors = error.messages
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(file_url(application))
        else:
            messages.success(
                request,
                _("Votre dossier est déposé sous la référence %(reference)s. L’accusé de réception vous est envoyé.")
                % {"reference": application.reference},
            )
            return redirect(file_url(application))
    return render(
        request,
        "projects/applicants/filing_submit.html",
        {
            "application": application,
            "missing": services.missing_documents(application),
            "requested": application.requested_amounts.all(),
            "errors": errors,
            "steps": filing_steps(application, 3),
            "breadcrumb_data": breadcrumb(_("Déposer un dossier"), space_link()),
        },
    )
