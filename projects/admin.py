from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from departments.models import Department
from departments.permissions import user_can
from projects.models import (
    Applicant,
    Application,
    Attachment,
    Award,
    AwardAmount,
    AwardLetter,
    Call,
    DepartmentEnvelope,
    FundingLine,
    LetterBatch,
    Payment,
    RequestedAmount,
    Signatory,
    StatusChange,
)
from projects.money import format_euros
from projects.resources import ApplicationImportAdminMixin, AwardExportAdminMixin, CallResultsAdminMixin
from projects.services import committed_total, set_commitment_number

# — Calls, applicants, applications (issue 3) —


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
        years = set(self.instance.call.programme_years)
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            year = form.cleaned_data["year"]
            if year not in years:
                raise ValidationError(
                    _("%(year)s n’est pas une année du programme de l’appel (%(first)s à %(last)s).")
                    % {"year": year, "first": self.instance.call.first_year, "last": self.instance.call.last_year}
                )
            if year in seen:
                raise ValidationError(_("Une seule ligne par année."))
            seen.add(year)


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


# — Awards, funding lines, payments (issue 5) —
class ReadOnlyInline(admin.TabularInline):
    """Amounts, lines and payments change only through the services (approval, payment form)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class AwardAmountInline(ReadOnlyInline):
    model = AwardAmount
    fields = ("year", "amount")


class FundingLineInline(ReadOnlyInline):
    model = FundingLine
    fields = ("funder", "year", "amount", "budget_reference", "commitment_number")
    show_change_link = True


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("paid_on", "amount", "reference", "recorded_by", "recorded_at")


@admin.register(Award)
class AwardAdmin(AwardExportAdminMixin, admin.ModelAdmin):
    list_display = ("application", "department", "total", "approved_by", "approved_at")
    list_filter = ("application__call", "application__status", "application__department")
    list_select_related = ("application__department", "approved_by")
    search_fields = ("application__reference", "application__title", "application__applicant__legal_name")
    fields = ("application", "total", "approved_by", "approved_at", "comment", "payments")
    readonly_fields = fields
    inlines = [AwardAmountInline, FundingLineInline]

    def has_add_permission(self, request):
        return False  # an award is created only by approving a proposal

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("département"), ordering="application__department__code")
    def department(self, award):
        return award.application.department

    @admin.display(description=_("versements"))
    def payments(self, award):
        rows = Payment.objects.filter(line__award=award).select_related("line").order_by("paid_on", "pk")
        if not rows:
            return _("Aucun versement.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} — {} — {} {}</li>",
                (
                    (row.paid_on.strftime("%d/%m/%Y"), row.line.label, format_euros(row.amount), row.reference)
                    for row in rows
                ),
            ),
        )


class FundingLineForm(forms.ModelForm):
    class Meta:
        model = FundingLine
        fields = ["commitment_number"]

    def clean_commitment_number(self):
        return self.instance.normalise_commitment_number(self.cleaned_data["commitment_number"])


@admin.register(FundingLine)
class FundingLineAdmin(admin.ModelAdmin):
    form = FundingLineForm
    list_display = ("award", "funder", "year", "amount", "commitment_number", "paid")
    list_filter = ("funder", "year", "award__application__call", "award__application__department")
    list_select_related = ("award__application",)
    search_fields = ("award__application__reference", "commitment_number")
    fields = ("award", "funder", "year", "amount", "budget_reference", "commitment_number")
    inlines = [PaymentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paid_total=Sum("payments__amount"))

    def get_readonly_fields(self, request, obj=None):
        locked = ["award", "funder", "year", "amount", "budget_reference"]
        if obj is None or not user_can(request.user, Action.APPROVE, obj.award.application.department_id):
            locked.append("commitment_number")
        return locked

    def has_add_permission(self, request):
        return False  # lines are written by the approval

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("versé"), ordering="paid_total")
    def paid(self, line):
        return format_euros(line.paid_total or 0)

    def save_model(self, request, obj, form, change):
        # Through the service, like the award page: same checks, same rule for who may do it.
        set_commitment_number(line=obj, by=request.user, number=form.cleaned_data["commitment_number"])


@admin.register(DepartmentEnvelope)
class DepartmentEnvelopeAdmin(admin.ModelAdmin):
    form = DepartmentEnvelopeForm
    list_display = ("call", "department", "amount")
    list_filter = ("call",)
    list_select_related = ("call", "department")


# — Letters and signatories (issue 6) —


@admin.register(Signatory)
class SignatoryAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "capacity", "organisation", "is_active"]
    list_filter = ["is_active", "organisation__kind", "organisation"]
    search_fields = ["last_name", "first_name", "capacity", "organisation__name"]
    list_select_related = ["organisation"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Letters and batches are produced by the application only; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AwardLetter)
class AwardLetterAdmin(ReadOnlyAdmin):
    list_display = ["application", "kind", "version", "generated_at", "generated_by", "signatory", "sent_at"]
    list_filter = ["kind", "generated_at", "sent_at", "application__department"]
    search_fields = ["application__reference", "application__applicant__legal_name", "sha256"]
    list_select_related = ["application", "generated_by", "signatory"]
    # Media is never served from a URL: the PDF is downloaded from the application's letters page.
    exclude = ["file"]
    date_hierarchy = "generated_at"


@admin.register(LetterBatch)
class LetterBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "call",
        "department",
        "kind",
        "status",
        "total",
        "done",
        "skipped",
        "failed",
        "created_at",
        "updated_at",
    ]
    list_filter = ["status", "call"]
    list_select_related = ["call", "department"]
    exclude = ["archive"]


# — Import/export resources and actions (issue 7) —
