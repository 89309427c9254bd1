from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projects.applicants.admin import RequiredDocumentInline
from projects.awards.services import check_call_funding, check_department_envelope
from projects.enums import CallStatus
from projects.exceptions import DomainError
from projects.exchange.admin import ApplicationImportAdminMixin, CallResultsAdminMixin
from projects.forms import ApplicantForm, SharedApplicantRule
from projects.models import (
    Applicant,
    Application,
    Attachment,
    Call,
    DepartmentEnvelope,
    RequestedAmount,
    StatusChange,
    YearEnvelope,
)
from projects.money import check_year_amounts


class DepartmentEnvelopeForm(forms.ModelForm):
    class Meta:
        model = DepartmentEnvelope
        fields = ["call", "department", "amount"]

    def clean(self):
        cleaned = super().clean()
        # Inline under a call, the form has no call field: the formset set it on the instance.
        call = cleaned.get("call") or (self.instance.call if self.instance.call_id else None)
        department, amount = cleaned.get("department"), cleaned.get("amount")
        if call and department and amount is not None:
            check_department_envelope(call=call, department=department, amount=amount)
        return cleaned


class CallForm(forms.ModelForm):
    """A call as administrators edit it: what the approvals have already committed bounds the changes.

    Its status and publication date are not here: they move through publish_results (the
    « Publier les résultats » action), which checks that the results may be published.
    """

    class Meta:
        model = Call
        fields = [
            "reference",
            "title",
            "region",
            "opens_on",
            "closes_on",
            "first_year",
            "last_year",
            "envelope",
            "state_share",
            "state_budget_reference",
            "cnaf_budget_reference",
        ]

    def clean(self):
        cleaned = super().clean()
        check_call_funding(call=self.instance, envelope=cleaned.get("envelope"), state_share=cleaned.get("state_share"))
        return cleaned


class DepartmentEnvelopeInline(admin.TabularInline):
    model = DepartmentEnvelope
    form = DepartmentEnvelopeForm
    extra = 0
    autocomplete_fields = ["department"]


class YearEnvelopeInline(admin.TabularInline):
    model = YearEnvelope
    extra = 0


def _filing_action(status: CallStatus, description):
    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        for call in queryset:
            try:
                call.set_filing(status)
            except DomainError as error:
                modeladmin.message_user(request, error.message, messages.ERROR)
            else:
                modeladmin.message_user(request, f"{call.reference} : {CallStatus(status).label}", messages.SUCCESS)

    action.__name__ = f"set_{status}"
    return action


@admin.register(Call)
class CallAdmin(CallResultsAdminMixin, admin.ModelAdmin):
    form = CallForm
    readonly_fields = ["status", "results_published_at"]
    actions = [
        _filing_action(CallStatus.OPEN, _("Ouvrir aux dépôts de dossiers")),
        _filing_action(CallStatus.CLOSED, _("Clore les dépôts de dossiers")),
    ]
    list_display = ["reference", "title", "region", "opens_on", "closes_on", "envelope", "status"]
    list_filter = ["status", "region"]
    search_fields = ["reference", "title"]
    inlines = [DepartmentEnvelopeInline, YearEnvelopeInline, RequiredDocumentInline]
    fieldsets = [
        (None, {"fields": ["reference", "title", "region", "status"]}),
        (_("Calendrier"), {"fields": ["opens_on", "closes_on", "first_year", "last_year", "results_published_at"]}),
        (
            _("Financement"),
            {"fields": ["envelope", "state_share", "state_budget_reference", "cnaf_budget_reference"]},
        ),
    ]


class ApplicantAdminForm(SharedApplicantRule, forms.ModelForm):
    class Meta:
        model = Applicant
        fields = ApplicantForm.Meta.fields


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    form = ApplicantAdminForm
    list_display = ["legal_name", "legal_form", "siret", "rna", "commune"]
    list_filter = ["legal_form"]
    search_fields = ["legal_name", "siret", "rna", "commune"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})


class ApplicationAdminForm(forms.ModelForm):
    """The file's corrections, under the pages' rule: only while it is editable."""

    def clean(self):
        cleaned = super().clean()
        try:
            self.instance.check_editable()
        except DomainError as error:
            raise ValidationError(error.message) from None
        return cleaned


class RequestedAmountFormSet(BaseInlineFormSet):
    """Years of the call's programme only, one row per year; none changes once the file is instructed."""

    def clean(self):
        super().clean()
        if self.has_changed():
            try:
                self.instance.check_editable()
            except DomainError as error:
                raise ValidationError(error.message) from None
        amounts = {}
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            year = form.cleaned_data["year"]
            if year in amounts:
                raise ValidationError(_("Une seule ligne par année."))
            amounts[year] = form.cleaned_data.get("amount")
        checked = check_year_amounts(amounts, years=self.instance.call.programme_years)
        if checked.problems:
            raise ValidationError(list(checked.problems.values()))


class RequestedAmountInline(admin.TabularInline):
    model = RequestedAmount
    formset = RequestedAmountFormSet
    extra = 0

    def has_add_permission(self, request, obj=None):
        return (obj is None or obj.is_editable) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.is_editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_editable) and super().has_delete_permission(request, obj)


class StatusChangeInline(admin.TabularInline):
    """The history, as the workflow wrote it: nobody edits it."""

    model = StatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "by", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ApplicationImportAdminMixin, admin.ModelAdmin):
    """Corrections of a file. The status moves only through the workflow, so it is read-only here;
    files are created on the "Saisir un dossier" page, which allocates their reference."""

    form = ApplicationAdminForm
    list_display = ["reference", "title", "applicant", "department", "requested_total", "status"]
    list_filter = ["status", "call", "department", "category", "qpv"]
    search_fields = ["reference", "title", "applicant__legal_name", "applicant__siret"]
    list_select_related = ["applicant", "department"]
    autocomplete_fields = ["applicant"]
    readonly_fields = ["reference", "call", "department", "status", "requested_total", "submitted_at", "created_at"]
    fields = [
        "reference",
        "call",
        "department",
        "status",
        "applicant",
        "title",
        "commune",
        "category",
        "qpv",
        "target_public",
        "summary",
        "total_budget",
        "requested_total",
        "submitted_at",
        "created_at",
    ]
    inlines = [RequestedAmountInline, StatusChangeInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return self.fields
        return self.readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # References have no gaps and the history is kept: a file is withdrawn, never deleted.
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The list filters and sorts on requested_total: keep it equal to the rows just saved.
        application = form.instance
        application.set_requested_amounts(application.requested_by_year())


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Attachments are checked on upload from the application page; here they are only listed."""

    list_display = ["original_name", "application", "content_type", "size", "uploaded_by", "uploaded_at", "download"]
    list_select_related = ["application", "uploaded_by"]
    search_fields = ["original_name", "application__reference", "sha256"]
    fields = [
        "application",
        "original_name",
        "description",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "download",
    ]
    readonly_fields = [name for name in fields if name != "description"]

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, attachment):
        attachment.file.delete(save=False)
        super().delete_model(request, attachment)

    def delete_queryset(self, request, queryset):
        for attachment in queryset:
            attachment.file.delete(save=False)
        super().delete_queryset(request, queryset)

    @admin.display(description=_("télécharger"))
    def download(self, attachment):
        url = reverse(
            "projects:attachment_download",
            kwargs={"reference": attachment.application.reference, "pk": attachment.pk},
        )
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))


@admin.register(DepartmentEnvelope)
class DepartmentEnvelopeAdmin(admin.ModelAdmin):
    form = DepartmentEnvelopeForm
    list_display = ("call", "department", "amount")
    list_filter = ("call",)
    list_select_related = ("call", "department")


# The capabilities' admin pages register themselves on import: Django only discovers this module
# (the applicants' one is imported above, for the documents a call requires).
from projects.awards import admin as awards_admin  # noqa: E402, F401
from projects.exchange.api import admin as api_admin  # noqa: E402, F401
from projects.followup import admin as followup_admin  # noqa: E402, F401
from projects.journal import admin as journal_admin  # noqa: E402, F401
from projects.letters import admin as letters_admin  # noqa: E402, F401
from projects.notifications import admin as notifications_admin  # noqa: E402, F401
