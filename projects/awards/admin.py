from django import forms
from django.contrib import admin
from django.db.models import Sum
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from departments.permissions import user_can
from projects.awards.services import set_commitment_number
from projects.exchange.admin import AwardExportAdminMixin
from projects.models import (
    Award,
    AwardAmount,
    FundingLine,
    Payment,
)
from projects.money import format_euros


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
