"""Keying in an application received on paper or by e-mail, and editing one before its review:
the applicant and the application's forms together, saved in one transaction.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import slug_re
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fipe.web import breadcrumb, posted_data
from projects.exceptions import DomainError
from projects.forms import ApplicantForm, ApplicationForm
from projects.models import Application, Call
from projects.permissions import can_edit_application, can_key_in_applications
from projects.services import create_application, update_application
from projects.shortcuts import visible_application
from projects.views import WITH_AMOUNTS, application_link, detail_url, list_link


def application_create(request):
    if not can_key_in_applications(request.user):
        raise PermissionDenied
    data = posted_data(request)
    initial = {}
    # A call's reference is a slug: anything else names no call (and a NUL byte would not reach PostgreSQL).
    if slug_re.match(reference := request.GET.get("appel", "")):
        call = Call.objects.visible_to(request.user).filter(reference=reference).first()
        if call is not None:
            initial["call"] = call.pk
    applicant_form = ApplicantForm(data, prefix="applicant", user=request.user)
    application_form = ApplicationForm(data, user=request.user, initial=initial)
    if data is not None and applicant_form.is_valid() and application_form.is_valid():
        cleaned = application_form.cleaned_data
        try:
            with transaction.atomic():
                application = create_application(
                    call=cleaned["call"],
                    applicant=applicant_form.save(),
                    department=cleaned["department"],
                    by=request.user,
                    amounts_by_year=application_form.amounts_by_year(),
                    submit=cleaned["submit_now"],
                    **application_form.application_fields(),
                )
        except ValidationError as error:
            application_form.add_error(None, error)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Dossier %(reference)s enregistré au statut « %(status)s ».")
                % {"reference": application.reference, "status": application.get_status_display()},
            )
            return redirect(detail_url(application))
    return form_page(request, applicant_form, application_form, None, breadcrumb(_("Saisir un dossier"), list_link()))


def application_edit(request, reference):
    application = visible_application(request.user, reference, WITH_AMOUNTS)
    if not can_edit_application(request.user, application):
        raise PermissionDenied
    data = posted_data(request)
    applicant_form = ApplicantForm(data, prefix="applicant", instance=application.applicant, user=request.user)
    # The form works on its own copy: a refused edit must not show half-changed values elsewhere on the page.
    application_form = ApplicationForm(
        data, user=request.user, instance=Application.objects.select_related("call").get(pk=application.pk)
    )
    if data is not None and applicant_form.is_valid() and application_form.is_valid():
        try:
            with transaction.atomic():
                update_application(
                    application=application,
                    applicant=applicant_form.save(),
                    by=request.user,
                    amounts_by_year=application_form.amounts_by_year(),
                    **application_form.application_fields(),
                )
        except ValidationError as error:
            application_form.add_error(None, error)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Dossier %(reference)s modifié.") % {"reference": application.reference})
            return redirect(detail_url(application))
    trail = breadcrumb(_("Modifier"), list_link(), application_link(application))
    return form_page(request, applicant_form, application_form, application, trail)


def form_page(request, applicant_form, application_form, application: Application | None, trail):
    """The applicant's and the application's forms on one page, blank, filled or with their errors."""
    return render(
        request,
        "projects/application_form.html",
        {
            "applicant_form": applicant_form,
            "application_form": application_form,
            "application": application,
            "breadcrumb_data": trail,
        },
    )
