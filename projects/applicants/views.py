"""The applicant's space: signing in, the files of the signed-in address and what they download.

None of these pages uses a staff login: an applicant proves their address with a single-use link,
and the session then holds that address (APPLICANT_SESSION_KEY); every page reads the files of that
address only, and anything else answers 404. Filing online: `filing_views`; the exchanges with the
services: `exchange_views`; the laureate's follow-up: `followup_views`.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fipe.security import client_ip
from fipe.web import breadcrumb, posted_data, stored_file_response
from projects.applicants import services
from projects.applicants.followup import followup_section
from projects.applicants.forms import InvitationForm, MessageForm, SignInForm
from projects.applicants.models import InformationRequest, ThreadMessage
from projects.enums import OPEN_STATUSES, Status
from projects.exceptions import DomainError
from projects.followup.forms import SignedCopyForm
from projects.forms import ReasonForm
from projects.models import Application, Attachment, DecisionLetter

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
