from django.contrib import admin

from projects.models import (
    DecisionLetter,
    LetterBatch,
    Signatory,
)


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


@admin.register(DecisionLetter)
class DecisionLetterAdmin(ReadOnlyAdmin):
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
