"""Admin of the follow-up: the calls' terms are set here; conventions, reports and recoveries are read only
(they change through the follow-up's pages and services)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projects.followup.models import Convention, ConventionVersion, FollowupTerms, Recovery, YearlyReport
from projects.letters.admin import ReadOnlyAdmin


class FollowupTermsForm(forms.ModelForm):
    class Meta:
        model = FollowupTerms
        fields = ["call", "advance_percent", "indicators"]

    def clean_indicators(self):
        value = self.cleaned_data["indicators"]
        pairs = value if isinstance(value, list) else None
        if not pairs or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) and part.strip() for part in pair)
            for pair in pairs
        ):
            raise forms.ValidationError(
                _('Une liste de paires [code, libellé], par exemple [["children", "Enfants"]].')
            )
        codes = [code for code, _label in pairs]
        if len(set(codes)) != len(codes):
            raise forms.ValidationError(_("Chaque code d’indicateur ne figure qu’une fois."))
        return pairs


@admin.register(FollowupTerms)
class FollowupTermsAdmin(admin.ModelAdmin):
    form = FollowupTermsForm
    list_display = ("call", "advance_percent")


class ConventionVersionInline(admin.TabularInline):
    model = ConventionVersion
    fields = ("version", "sha256", "document", "generated_at", "generated_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Convention)
class ConventionAdmin(ReadOnlyAdmin):
    list_display = ("award", "sent_at", "signed_received_at", "countersigned_at")
    list_select_related = ("award__application",)
    inlines = [ConventionVersionInline]


@admin.register(YearlyReport)
class YearlyReportAdmin(ReadOnlyAdmin):
    list_display = ("award", "year", "status", "subsidy_used")
    list_filter = ("status", "year")
    list_select_related = ("award__application",)


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyAdmin):
    list_display = ("line", "amount", "recorded_at", "recorded_by")
    list_select_related = ("line__award__application", "recorded_by")
