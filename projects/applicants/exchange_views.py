"""The exchanges between the applicant and the services: the applicant answers a request for more
information or writes from their space; the staff ask and write from the file's « Échanges » tab."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from departments.enums import Action
from departments.permissions import get_scope
from fipe.web import breadcrumb, posted_data
from projects.applicants import exchanges
from projects.applicants.forms import AnswerForm, InformationRequestForm, MessageForm, StaffMessageForm
from projects.applicants.views import applicant_required, file_url, own_application, space_link, today
from projects.enums import Status
from projects.exceptions import DomainError
from projects.models import Application
from projects.shortcuts import visible_application

# The applicant, from their space -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@applicant_required
def applicant_answer(request, pk, request_pk):
    application = own_application(request, pk)
    information_request = get_object_or_404(application.information_requests, pk=request_pk)
    form = AnswerForm(posted_data(request), request.FILES or None)
    if form.is_valid():
        try:
            exchanges.answer_information_request(
                request=information_request,
                email=request.applicant_email,
                answer=form.cleaned_data["answer"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(file_url(application))
        else:
            messages.success(request, _("Votre réponse est transmise aux instructeurs."))
            return redirect(file_url(application))
    return render(
        request,
        "projects/applicants/answer.html",
        {
            "application": application,
            "information_request": information_request,
            "form": form,
            "breadcrumb_data": breadcrumb(
                _("Répondre à la demande"), space_link(), (application.title, file_url(application))
            ),
        },
    )


@require_POST
@applicant_required
def applicant_message(request, pk):
    application = own_application(request, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            exchanges.post_applicant_message(
                application=application, email=request.applicant_email, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(file_url(application))
        else:
            messages.success(request, _("Message envoyé."))
            return redirect(f"{file_url(application)}#messages")
    return render(
        request,
        "projects/applicants/message.html",
        {
            "application": application,
            "form": form,
            "breadcrumb_data": breadcrumb(_("Écrire"), space_link(), (application.title, file_url(application))),
        },
    )


# Staff: the « Échanges » tab -----------------------------------------------------------------------


def exchanges_tab_context(application: Application, user) -> dict:
    may_write = get_scope(user).can(Action.REVIEW, application.department_id)
    return {
        "information_requests": list(
            application.information_requests.select_related("asked_by").prefetch_related("attachments")
        ),
        "thread": list(application.messages.select_related("author")),
        "request_form": InformationRequestForm() if may_write and application.status == Status.IN_REVIEW else None,
        "message_form": StaffMessageForm() if may_write else None,
    }


def exchanges_url(application: Application) -> str:
    return reverse("projects:application_detail", kwargs={"reference": application.reference}) + "?onglet=echanges"


def staff_exchange_page(request, application, template, form, title):
    return render(
        request,
        template,
        {
            "application": application,
            "form": form,
            "breadcrumb_data": breadcrumb(
                title,
                (_("Dossiers"), reverse("projects:application_list")),
                (application.reference, exchanges_url(application)),
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def information_request_create(request, reference):
    application = visible_application(request.user, reference)
    if not get_scope(request.user).can(Action.REVIEW, application.department_id):
        raise PermissionDenied
    form = InformationRequestForm(posted_data(request))
    if form.is_valid():
        try:
            exchanges.request_information(application=application, by=request.user, today=today(), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(exchanges_url(application))
        else:
            messages.success(request, _("Demande de compléments envoyée au porteur de projet."))
            return redirect(exchanges_url(application))
    return staff_exchange_page(
        request, application, "projects/applicants/information_request_form.html", form, _("Demander des compléments")
    )


@require_http_methods(["GET", "POST"])
def staff_message(request, reference):
    application = visible_application(request.user, reference)
    if not get_scope(request.user).can(Action.REVIEW, application.department_id):
        raise PermissionDenied
    form = StaffMessageForm(posted_data(request))
    if form.is_valid():
        try:
            exchanges.post_staff_message(application=application, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Note interne enregistrée.") if form.cleaned_data["internal"] else _("Message envoyé.")
            )
            return redirect(exchanges_url(application))
    return staff_exchange_page(request, application, "projects/applicants/staff_message.html", form, _("Écrire"))
