"""The admin's imports and exports, as mixins for the ModelAdmins of Application, Award and Call.

They run the same services as the commands and pages (projects.exchange.imports, projects.exchange.exports,
projects.exchange.opendata, projects.exchange.results), so the rules and the reports are the same everywhere.
"""

import base64
import binascii
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.enums import Action
from departments.permissions import get_scope
from fipe.web import posted_data
from projects.enums import CallStatus
from projects.exceptions import DomainError
from projects.exchange.exports import awards_of, export_filename, write_awards
from projects.exchange.imports import import_applications, write_applications, write_template
from projects.exchange.opendata import FunderIdentityMissing, scdl_filename, write_scdl
from projects.exchange.results import publish_results
from projects.exchange.spreadsheets import FORMATS, MAX_UPLOAD_BYTES, MAX_UPLOAD_MEGABYTES, UnreadableFile, file_format
from projects.exchange.views import attachment
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.models import Call


def _with_actions(actions: dict, functions) -> dict:
    for function in functions:
        actions[function.__name__] = (function, function.__name__, function.short_description)
    return actions


def _single_call(modeladmin, request, calls) -> Call | None:
    """The one call a file is made for; a message when the selection spans several."""
    calls = list(calls)
    if len(calls) != 1:
        modeladmin.message_user(
            request, _("Sélectionnez les éléments d’un seul appel à projets : un fichier par appel."), messages.ERROR
        )
        return None
    return calls[0]


# Applications: import page, template, export in the import format --------------------------------


class ApplicationImportForm(forms.Form):
    call = forms.ModelChoiceField(
        label=gettext_lazy("Appel à projets"),
        queryset=Call.objects.filter(status__in=[CallStatus.DRAFT, CallStatus.OPEN]),
        empty_label=None,
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier à importer"),
        required=False,
        help_text=format_lazy(
            gettext_lazy("CSV (UTF-8, séparateur « ; » ou « , »), XLSX ou ODS ; {} Mo au plus."), MAX_UPLOAD_MEGABYTES
        ),
    )
    # After a successful simulation, the checked file comes back with the confirmation.
    content = forms.CharField(widget=forms.HiddenInput, required=False)
    filename = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                self.add_error("file", _("Le fichier dépasse %(max)s Mo.") % {"max": MAX_UPLOAD_MEGABYTES})
                return data
            try:
                file_format(upload.name)
            except UnreadableFile as error:
                self.add_error("file", error.message)
                return data
            data["bytes"], data["filename"] = upload.read(), upload.name
        elif data.get("content") and data.get("filename"):
            try:
                data["bytes"] = base64.b64decode(data["content"], validate=True)
            except (binascii.Error, ValueError):
                self.add_error("file", _("Le fichier vérifié n’a pas été transmis : choisissez-le à nouveau."))
        else:
            self.add_error("file", _("Choisissez le fichier à importer."))
        return data


class TemplateRequestForm(forms.Form):
    call = forms.ModelChoiceField(label=gettext_lazy("Appel à projets"), queryset=Call.objects.all(), empty_label=None)
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[(fmt, fmt.upper()) for fmt in FORMATS])


@admin.action(description=gettext_lazy("Exporter au format du fichier d’import (XLSX)"))
def export_applications_xlsx(modeladmin, request, queryset):
    calls = Call.objects.filter(applications__in=queryset).distinct()
    call = _single_call(modeladmin, request, calls)
    if call is None:
        return None
    visible = queryset.filter(department_id__in=get_scope(request.user).department_ids(Action.VIEW))
    return attachment(write_applications(call, "xlsx", visible), f"{call.reference}-dossiers.xlsx", FORMATS["xlsx"])


class ApplicationImportAdminMixin:
    """For the Application ModelAdmin: « Importer des dossiers » (upload, preview, confirmation),
    the template download, and an action exporting the selection in the import format."""

    import_template = "admin/projects/application/import.html"

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("importer/", self.admin_site.admin_view(self.import_view), name=f"{prefix}_import"),
            path(
                "importer/modele/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{prefix}_import_template",
            ),
            *super().get_urls(),
        ]

    def get_actions(self, request):
        return _with_actions(super().get_actions(request), [export_applications_xlsx])

    def has_import_permission(self, request) -> bool:
        """Rule: importing creates files, so it needs Django's add permission on them, even where
        the admin's own add form is switched off (files keyed in one by one use the site's page)."""
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirming = request.method == "POST" and "confirm" in request.POST
        form = ApplicationImportForm(posted_data(request), request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Importer des dossiers"),
            "form": form,
            "template_form": TemplateRequestForm(),
        }
        if request.method == "POST" and form.is_valid():
            call = form.cleaned_data["call"]
            report = import_applications(
                call=call,
                by=request.user,
                file=io.BytesIO(form.cleaned_data["bytes"]),
                filename=form.cleaned_data["filename"],
                dry_run=not confirming,
            )
            if report.saved:
                self.message_user(request, report.summary(), messages.SUCCESS)
                return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
            context["report"] = report
            if report.ok:
                context["confirm_form"] = ApplicationImportForm(
                    initial={
                        "call": call,
                        "content": base64.b64encode(form.cleaned_data["bytes"]).decode(),
                        "filename": form.cleaned_data["filename"],
                    }
                )
        return TemplateResponse(request, self.import_template, context)

    def import_template_view(self, request):
        form = TemplateRequestForm(request.GET)
        if not form.is_valid():
            raise Http404
        call, fmt = form.cleaned_data["call"], form.cleaned_data["format"]
        return attachment(write_template(call, fmt), f"modele-import-dossiers-{call.reference}.{fmt}", FORMATS[fmt])


# Awards: export of the decisions ---------------------------------------------------------------


def _awards_export_action(fmt: str):
    description = gettext_lazy("Exporter les décisions sélectionnées (%(format)s)") % {"format": fmt.upper()}

    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        awards = queryset.filter(application__department_id__in=get_scope(request.user).department_ids(Action.EXPORT))
        record(actor=request.user, act=JournalAct.EXPORT, data={"what": "decisions", "format": fmt, "admin": True})
        return attachment(write_awards(awards, fmt), export_filename("decisions", fmt), FORMATS[fmt])

    action.__name__ = f"export_awards_{fmt}"
    return action


AWARD_EXPORT_ACTIONS = [_awards_export_action(fmt) for fmt in FORMATS]


class AwardExportAdminMixin:
    """For the Award ModelAdmin: export the selected award decisions as CSV, XLSX or ODS
    (within the departments the administrator may export)."""

    def get_actions(self, request):
        return _with_actions(super().get_actions(request), AWARD_EXPORT_ACTIONS)


# Calls: open data, decisions, publication ------------------------------------------------------


@admin.action(description=gettext_lazy("Télécharger les données ouvertes (SCDL Subventions)"))
def download_scdl(modeladmin, request, queryset):
    call = _single_call(modeladmin, request, queryset)
    if call is None:
        return None
    try:
        content = write_scdl(call)
        record(actor=request.user, act=JournalAct.EXPORT, obj=call, data={"what": "scdl", "admin": True})
        return attachment(content, scdl_filename(call), "text/csv; charset=utf-8")
    except FunderIdentityMissing as error:
        modeladmin.message_user(request, error.message, messages.ERROR)
        return None


@admin.action(description=gettext_lazy("Exporter les décisions d’attribution (XLSX)"))
def download_awards(modeladmin, request, queryset):
    call = _single_call(modeladmin, request, queryset)
    if call is None:
        return None
    awards = awards_of(call=call, user=request.user)
    record(actor=request.user, act=JournalAct.EXPORT, obj=call, data={"what": "decisions", "format": "xlsx"})
    return attachment(write_awards(awards, "xlsx"), export_filename(call.reference, "xlsx"), FORMATS["xlsx"])


@admin.action(description=gettext_lazy("Publier les résultats"))
def publish(modeladmin, request, queryset):
    for call in queryset:
        try:
            publish_results(call=call, by=request.user)
        except DomainError as error:
            modeladmin.message_user(request, f"{call.reference} : {error.message}", messages.ERROR)
        else:
            modeladmin.message_user(
                request,
                _("%(reference)s : résultats publiés (%(url)s).")
                % {"reference": call.reference, "url": reverse("projects:public_results", args=[call.reference])},
                messages.SUCCESS,
            )


class CallResultsAdminMixin:
    """For the Call ModelAdmin: open-data file, decisions export and publication of the results."""

    def get_actions(self, request):
        return _with_actions(super().get_actions(request), [download_scdl, download_awards, publish])
