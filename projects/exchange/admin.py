"""The admin's imports and exports, as mixins for the ModelAdmins of Application, Award and Call.

Imports and exports run on django-import-export's screens through the Resources of
projects.exchange.resources, which the commands and the background imports use too; the
other actions call the same services as the pages (opendata, results), so the rules and the
reports are the same everywhere.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin, ImportMixin
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm
from import_export.tmp_storages import MediaStorage

from departments.enums import Action
from departments.permissions import get_scope
from projects.exceptions import DomainError
from projects.exchange.exports import awards_of, export_filename
from projects.exchange.formats import SPREADSHEET_FORMATS
from projects.exchange.import_report import PREVIEW_ROWS
from projects.exchange.imports import write_applications, write_template
from projects.exchange.jobs import BACKGROUND_ROWS, confirm_import_job, estimated_rows, start_import_job
from projects.exchange.models import ImportJob
from projects.exchange.opendata import FunderIdentityMissing, scdl_filename, write_scdl
from projects.exchange.reading import (
    MAX_CELLS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_MEGABYTES,
    UnreadableFile,
    file_format,
)
from projects.exchange.resources import ApplicationResource, AwardResource, awards_file
from projects.exchange.results import publish_results
from projects.exchange.spreadsheets import FORMATS
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


# Applications: django-import-export's import screens, the template, export in the import format ------


class ApplicationImportForm(ImportForm):
    """The library's upload form, with the call the file is for. The format follows the file's
    extension; the size and the kind of file are checked before anything is read."""

    call = forms.ModelChoiceField(
        label=gettext_lazy("Appel à projets"),
        queryset=Call.objects.accepting_applications(),
        empty_label=None,
    )
    field_order = ["call", "resource", "import_file", "format"]

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        self.fields["import_file"].label = gettext_lazy("Fichier à importer")
        self.fields["import_file"].help_text = format_lazy(
            gettext_lazy(
                "CSV (UTF-8, séparateur « ; » ou « , »), XLSX ou ODS ; {} Mo, {} lignes et {} cellules au plus. "
                "Au-delà de {} lignes, la vérification et l’import se font en arrière-plan."
            ),
            MAX_UPLOAD_MEGABYTES,
            number_format(MAX_ROWS - 1, force_grouping=True),
            number_format(MAX_CELLS, force_grouping=True),
            number_format(BACKGROUND_ROWS, force_grouping=True),
        )
        self.fields["format"].required = False
        self.fields["format"].help_text = gettext_lazy("Déduit de l’extension du fichier.")

    def clean(self):
        data = super().clean()
        upload = data.get("import_file")
        if upload is None:
            return data
        if upload.size > MAX_UPLOAD_BYTES:
            self.add_error("import_file", _("Le fichier dépasse %(max)s Mo.") % {"max": MAX_UPLOAD_MEGABYTES})
            return data
        try:
            extension = file_format(upload.name)
        except UnreadableFile as error:
            self.add_error("import_file", error.message)
            return data
        extensions = [format_class().get_extension() for format_class in self.formats]
        data["format"] = str(extensions.index(extension))
        return data


class ApplicationConfirmImportForm(ConfirmImportForm):
    call = forms.ModelChoiceField(queryset=Call.objects.accepting_applications(), widget=forms.HiddenInput)
    format = forms.TypedChoiceField(
        choices=[(str(index), fmt.extension) for index, fmt in enumerate(SPREADSHEET_FORMATS)],
        widget=forms.HiddenInput,
    )


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
    record(actor=request.user, act=JournalAct.EXPORT, obj=call, data={"what": "applications", "format": "xlsx"})
    return attachment(write_applications(call, "xlsx", visible), f"{call.reference}-dossiers.xlsx", FORMATS["xlsx"])


class ApplicationImportAdminMixin(ImportMixin):
    """For the Application ModelAdmin: django-import-export's « Importer » (upload, preview of
    every row with its problems, confirmation) through ApplicationResource, the template
    download, and an action exporting the selection in the import format. A file of more than
    BACKGROUND_ROWS rows is checked and imported by the task worker, on a page of its own."""

    resource_classes = [ApplicationResource]
    import_form_class = ApplicationImportForm
    confirm_form_class = ApplicationConfirmImportForm
    import_template_name = "admin/projects/application/import.html"
    # The uploaded file waits for the confirmation in the media storage, under a random name.
    tmp_storage_class = MediaStorage
    # Every imported application's history says who imported it (StatusChange).
    skip_admin_log = True

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "import/modele/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{prefix}_import_template",
            ),
            path(
                "import/suivi/<int:pk>/",
                self.admin_site.admin_view(self.import_job_view),
                name=f"{prefix}_import_job",
            ),
            *super().get_urls(),
        ]

    def get_actions(self, request):
        return _with_actions(super().get_actions(request), [export_applications_xlsx])

    def has_import_permission(self, request) -> bool:
        """Rule: importing creates files, so it needs Django's add permission on them, even where
        the admin's own add form is switched off (files keyed in one by one use the site's page)."""
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def get_import_formats(self):
        return SPREADSHEET_FORMATS

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        call = form.cleaned_data.get("call") if form is not None and hasattr(form, "cleaned_data") else None
        if call is None:
            # Before a file is chosen the page lists the columns of the latest call open to imports.
            call = Call.objects.accepting_applications().order_by("-opens_on").first()
        return {"call": call, "by": request.user, "dry_run": not isinstance(form, ConfirmImportForm)}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["call"] = import_form.cleaned_data["call"]
        return initial

    def get_import_context_data(self, **kwargs):
        return {
            # Its own ids: the upload form below has a call field too, and each label names its own list.
            "template_form": TemplateRequestForm(auto_id="id_template_%s"),
            "preview_rows": PREVIEW_ROWS,
            "no_open_call": not Call.objects.accepting_applications().exists(),
        }

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnreadableFile):
            form.add_error("import_file", e.message)
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        """A file beyond BACKGROUND_ROWS rows is handed to the task worker before anything reads it."""
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_import_form(request)
            if form.is_valid():
                upload = form.cleaned_data["import_file"]
                content = b"".join(upload.chunks())
                if estimated_rows(content, upload.name) > BACKGROUND_ROWS:
                    job = start_import_job(
                        call=form.cleaned_data["call"], by=request.user, content=content, filename=upload.name
                    )
                    return HttpResponseRedirect(
                        reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import_job", args=[job.pk])
                    )
                upload.seek(0)
        return super().import_action(request, **kwargs)

    def process_import(self, request, **kwargs):
        """The confirmation, which reads the checked file back: one gone (already imported, cleaned
        up, or a forged name) is said so, and the upload starts again."""
        try:
            return super().process_import(request, **kwargs)
        except (FileNotFoundError, UnreadableFile):
            self.message_user(
                request, _("Le fichier vérifié n’est plus disponible : envoyez-le à nouveau."), messages.ERROR
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))

    def process_result(self, result, request):
        """After the confirmation: the report's summary, or the page again with what went wrong
        (the file changed nothing: the library rolled the import back)."""
        report = result.report
        if not report.saved:
            context = {
                **self.admin_site.each_context(request),
                **self.get_import_context_data(),
                "title": _("Importer des dossiers"),
                "opts": self.opts,
                "form": self.create_import_form(request),
                "result": result,
            }
            return TemplateResponse(request, [self.import_template_name], context)
        self.message_user(request, report.summary(), messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def import_template_view(self, request):
        form = TemplateRequestForm(request.GET)
        if not form.is_valid():
            raise Http404
        call, fmt = form.cleaned_data["call"], form.cleaned_data["format"]
        return attachment(write_template(call, fmt), f"modele-import-dossiers-{call.reference}.{fmt}", FORMATS[fmt])

    def import_job_view(self, request, pk: int):
        """The progress of a background import, and its confirmation once checked."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob.objects.select_related("call"), pk=pk, requested_by=request.user)
        if request.method == "POST":
            try:
                confirm_import_job(job=job, by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import en arrière-plan"),
            "opts": self.opts,
            "job": job,
        }
        return TemplateResponse(request, "admin/projects/application/import_job.html", context)


# Awards: export of the decisions ---------------------------------------------------------------


def _awards_export_action(fmt: str):
    description = gettext_lazy("Exporter les décisions sélectionnées (%(format)s)") % {"format": fmt.upper()}

    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        awards = queryset.filter(application__department_id__in=get_scope(request.user).department_ids(Action.EXPORT))
        record(actor=request.user, act=JournalAct.EXPORT, data={"what": "decisions", "format": fmt, "admin": True})
        return attachment(awards_file(awards, fmt), export_filename("decisions", fmt), FORMATS[fmt])

    action.__name__ = f"export_awards_{fmt}"
    return action


AWARD_EXPORT_ACTIONS = [_awards_export_action(fmt) for fmt in FORMATS]


class AwardExportAdminMixin(ExportMixin):
    """For the Award ModelAdmin: django-import-export's « Exporter » screen (format, then the file)
    and actions exporting the selected decisions, both through AwardResource, within the
    departments the administrator may export."""

    resource_classes = [AwardResource]
    export_form_class = ExportForm
    import_export_change_list_template = "admin/projects/award/change_list_export.html"

    def get_export_formats(self):
        return SPREADSHEET_FORMATS

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request)
        return queryset.filter(application__department_id__in=get_scope(request.user).department_ids(Action.EXPORT))

    def get_export_filename(self, request, queryset, file_format):
        return export_filename("decisions", file_format.get_extension())

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        record(
            actor=request.user,
            act=JournalAct.EXPORT,
            data={"what": "decisions", "format": file_format.get_extension(), "admin": True},
        )
        return data

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
    return attachment(awards_file(awards, "xlsx"), export_filename(call.reference, "xlsx"), FORMATS["xlsx"])


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
