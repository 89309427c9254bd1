"""The applicant's space. None of these pages uses a staff login: an applicant proves their address
with a single-use link, and the session then holds that address (APPLICANT_SESSION_KEY); every page
reads the files of that address only, and anything else answers 404.

The staff side of the exchanges (the « Échanges » tab, asking for more information, writing to
the applicant) is at the end.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from departments.enums import Action
from departments.permissions import get_scope
from fipe.security import client_ip
from fipe.web import breadcrumb, posted_data, stored_file_response
from projects.applicants import exchanges, services
from projects.applicants.followup import followup_section
from projects.applicants.forms import (
    AnswerForm,
    InformationRequestForm,
    InvitationForm,
    MessageForm,
    OnlineApplicantForm,
    OnlineApplicationForm,
    RequiredDocumentForm,
    SignInForm,
    StaffMessageForm,
)
from projects.applicants.models import InformationRequest, ThreadMessage
from projects.enums import OPEN_STATUSES, Status
from projects.exceptions import DomainError
from projects.followup.forms import SignedCopyForm
from projects.forms import ReasonForm
from projects.models import Applicant, Application, Attachment, Call, DecisionLetter
from projects.shortcuts import visible_application

APPLICANT_SESSION_KEY = "applicant_email"
# An applicant's session ends after two hours without activity.
APPLICANT_SESSION_AGE = 2 * 60 * 60


def applicant_required(view):
    """The page is for a signed-in applicant (not a staff user): others go to the sign-in page."""

    @login_not_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        email = request.session.get(APPLICANT_SESSION_KEY)
        if not email:
            return redirect("projects:applicant_sign_in")
        request.applicant_email = email
        return view(request, *args, **kwargs)

    return wrapped


def space_link() -> tuple:
    return (_("Mes dossiers"), reverse("projects:applicant_home"))


def file_url(application: Application) -> str:
    return reverse("projects:applicant_file", kwargs={"pk": application.pk})


def own_application(request, pk: int, queryset=None) -> Application:
    """The applicant's file, or 404 as if it did not exist."""
    queryset = queryset if queryset is not None else services.applications_of(request.applicant_email)
    return get_object_or_404(queryset.select_related("call__region", "applicant", "department"), pk=pk)


def today():
    return timezone.localdate()


# Sign-in ---------------------------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def applicant_sign_in(request):
    form = SignInForm(posted_data(request))
    if form.is_valid():
        try:
            services.send_sign_in_link(
                email=form.cleaned_data["email"],
                ip=client_ip(request) or None,
                link_url=lambda token: request.build_absolute_uri(
                    reverse("projects:applicant_sign_in_link", kwargs={"token": token})
                ),
            )
        except services.TooManyLinks as error:
            form.add_error("email", error.message)
        else:
            return redirect("projects:applicant_link_sent")
    return render(request, "projects/applicants/sign_in.html", {"form": form})


@login_not_required
@require_GET
def applicant_link_sent(request):
    return render(request, "projects/applicants/link_sent.html")


@login_not_required
@require_http_methods(["GET", "POST"])
def applicant_sign_in_link(request, token):
    """GET shows a button, POST spends the link: a mail filter that opens links does not use it up."""
    try:
        if request.method == "POST":
            email = services.use_sign_in_link(token=token)
        else:
            services.check_sign_in_link(token=token)
    except services.SignInRefused as error:
        return render(
            request,
            "projects/applicants/link_refused.html",
            {"errors": [error.message], "reason": error.reason},
            status=400,
        )
    if request.method == "GET":
        return render(request, "projects/applicants/sign_in_confirm.html")
    request.session.cycle_key()
    request.session[APPLICANT_SESSION_KEY] = email
    request.session.set_expiry(APPLICANT_SESSION_AGE)
    messages.success(request, _("Vous êtes connecté à l’espace porteur de projet."))
    return redirect("projects:applicant_home")


@login_not_required
@require_POST
def applicant_sign_out(request):
    request.session.pop(APPLICANT_SESSION_KEY, None)
    request.session.cycle_key()
    messages.info(request, _("Vous êtes déconnecté de l’espace porteur de projet."))
    return redirect("projects:applicant_sign_in")


# Follow ----------------------------------------------------------------------------------------


@require_GET
@applicant_required
def applicant_home(request):
    applications = services.applications_of(request.applicant_email).select_related("call", "department")
    rows = [(application, services.public_label(application)) for application in applications]
    return render(
        request,
        "projects/applicants/home.html",
        {
            "rows": rows,
            "calls": services.open_calls(today()),
            "email": request.applicant_email,
            "breadcrumb_data": breadcrumb(_("Mes dossiers")),
        },
    )


@require_GET
@applicant_required
def applicant_file(request, pk):
    application = own_application(
        request,
        pk,
        services.applications_of(request.applicant_email).prefetch_related(
            "requested_amounts",
            "status_changes",
            # What the applicant sent; the services' own documents stay with them.
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(uploaded_by__isnull=True).order_by("uploaded_at"),
            ),
            Prefetch("information_requests", queryset=InformationRequest.objects.prefetch_related("attachments")),
            Prefetch("messages", queryset=ThreadMessage.objects.for_applicant().select_related("author")),
        ),
    )
    letters = DecisionLetter.objects.filter(application=application, sent_at__isnull=False).order_by("-sent_at")
    acknowledgement = getattr(application, "acknowledgement", None) if application.reference else None
    return render(
        request,
        "projects/applicants/file.html",
        {
            "application": application,
            "public_status": services.public_label(application),
            "timeline": services.public_timeline(application),
            "letters": list(letters),
            "acknowledgement": acknowledgement,
            "is_draft": application.reference is None,
            "can_withdraw": application.status in OPEN_STATUSES,
            "awaiting": application.status == Status.AWAITING_INFORMATION,
            "message_form": MessageForm() if application.reference else None,
            "is_main_contact": services.is_main_contact(application, request.applicant_email),
            "co_contact": getattr(application, "co_contact", None),
            "followup": followup_section(application, today()),
            "signed_copy_form": SignedCopyForm(),
            "breadcrumb_data": breadcrumb(application.title, space_link()),
        },
    )


def applicant_download(attachment_file, filename: str, content_type: str):
    response = stored_file_response(attachment_file, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@applicant_required
def applicant_attachment(request, pk, attachment):
    application = own_application(request, pk)
    found = get_object_or_404(application.attachments.filter(uploaded_by__isnull=True), pk=attachment)
    return applicant_download(found.file, found.original_name, found.content_type)


@require_GET
@applicant_required
def applicant_acknowledgement(request, pk):
    application = own_application(request, pk)
    if application.reference is None or not hasattr(application, "acknowledgement"):
        raise Http404
    return applicant_download(
        application.acknowledgement.file, services.acknowledgement_filename(application), "application/pdf"
    )


@require_GET
@applicant_required
def applicant_letter(request, pk, letter):
    """A decision letter, once the services have sent it."""
    application = own_application(request, pk)
    found = get_object_or_404(DecisionLetter, application=application, pk=letter, sent_at__isnull=False)
    return applicant_download(found.file, f"{found.get_kind_display()} {application.reference}.pdf", "application/pdf")


@require_http_methods(["GET", "POST"])
@applicant_required
def applicant_withdraw(request, pk):
    application = own_application(request, pk)
    if request.method == "GET" and application.status not in OPEN_STATUSES:
        messages.error(request, _("Une décision a été prise sur ce dossier : il ne peut plus être retiré."))
        return redirect(file_url(application))
    form = ReasonForm(posted_data(request), required=True)
    if form.is_valid():
        try:
            services.withdraw_by_applicant(
                application=application, email=request.applicant_email, reason=form.cleaned_data["comment"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Votre dossier est retiré."))
        return redirect(file_url(application))
    return render(
        request,
        "projects/applicants/withdraw.html",
        {
            "application": application,
            "form": form,
            "breadcrumb_data": breadcrumb(
                _("Retirer le dossier"), space_link(), (application.title, file_url(application))
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@applicant_required
def applicant_invite(request, pk):
    application = own_application(request, pk)
    if not services.is_main_contact(application, request.applicant_email):
        raise PermissionDenied
    form = InvitationForm(posted_data(request))
    if form.is_valid():
        try:
            services.invite_co_contact(
                application=application, email=form.cleaned_data["email"], by_email=request.applicant_email
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Invitation envoyée."))
            return redirect(file_url(application))
    return render(
        request,
        "projects/applicants/invite.html",
        {
            "application": application,
            "form": form,
            "breadcrumb_data": breadcrumb(
                _("Inviter un co-contact"), space_link(), (application.title, file_url(application))
            ),
        },
    )


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


# Online filing ---------------------------------------------------------------------------------


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
