from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from projects.awards.services import committed_total
from projects.exchange.admin import ApplicationImportAdminMixin, CallResultsAdminMixin
from projects.models import (
    Applicant,
    Application,
    Attachment,
    Award,
    Call,
    DepartmentEnvelope,
    RequestedAmount,
    StatusChange,
)
from projects.money import check_year_amounts, format_euros


def committed_under_lock(*, call: Call, department: Department | None = None) -> Decimal:
    """What the call (or one of its departments) has committed, read with the call's row locked.

    approve_laureate locks the same row, and the admin validates and saves in one transaction:
    an approval under way is either counted here or waits for the save, so an envelope can never
    be saved below what ends up committed.
    """
    Call.objects.select_for_update().values_list("pk", flat=True).get(pk=call.pk)
    return committed_total(call=call, department=department)


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
            committed = committed_under_lock(call=call, department=department)
            if amount < committed:
                self.add_error(
                    "amount",
                    _("Le département a déjà %(committed)s engagés : l’enveloppe ne peut pas être inférieure.")
                    % {"committed": format_euros(committed)},
                )
        return cleaned


class CallForm(forms.ModelForm):
    """A call as administrators edit it: what the approvals have already committed bounds the changes."""

    class Meta:
        model = Call
        fields = [
            "reference",
            "title",
            "region",
            "status",
            "opens_on",
            "closes_on",
            "first_year",
            "last_year",
            "results_published_at",
            "envelope",
            "state_share",
            "state_budget_reference",
            "cnaf_budget_reference",
        ]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        committed = committed_under_lock(call=self.instance)
        envelope = cleaned.get("envelope")
        if envelope is not None and envelope < committed:
            self.add_error(
                "envelope",
                _("L’appel a déjà %(committed)s engagés : l’enveloppe ne peut pas être inférieure.")
                % {"committed": format_euros(committed)},
            )
        # The funding lines were split with the share in force at approval, and they never change.
        if "state_share" in self.changed_data and Award.objects.filter(application__call=self.instance).exists():
            self.add_error(
                "state_share",
                _(
                    "Des subventions de cet appel sont déjà réparties entre l’État et la Cnaf selon cette part : "
                    "elle ne peut plus changer."
                ),
            )
        return cleaned


class DepartmentEnvelopeInline(admin.TabularInline):
    model = DepartmentEnvelope
    form = DepartmentEnvelopeForm
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(Call)
class CallAdmin(CallResultsAdminMixin, admin.ModelAdmin):
    form = CallForm
    list_display = ["reference", "title", "region", "opens_on", "closes_on", "envelope", "status"]
    list_filter = ["status", "region"]
    search_fields = ["reference", "title"]
    inlines = [DepartmentEnvelopeInline]
    fieldsets = [
        (None, {"fields": ["reference", "title", "region", "status"]}),
        (_("Calendrier"), {"fields": ["opens_on", "closes_on", "first_year", "last_year", "results_published_at"]}),
        (
            _("Financement"),
            {"fields": ["envelope", "state_share", "state_budget_reference", "cnaf_budget_reference"]},
        ),
    ]


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "legal_form", "siret", "rna", "commune"]
    list_filter = ["legal_form"]
    search_fields = ["legal_name", "siret", "rna", "commune"]


class RequestedAmountFormSet(BaseInlineFormSet):
    """Years of the call's programme only, one row per year."""

    def clean(self):
        super().clean()
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


# The capabilities' admin pages register themselves on import: Django only discovers this module.
from projects.awards import admin as awards_admin  # noqa: E402, F401
from projects.followup import admin as followup_admin  # noqa: E402, F401
from projects.letters import admin as letters_admin  # noqa: E402, F401
