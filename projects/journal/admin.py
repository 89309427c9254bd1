from django.contrib import admin

from projects.journal.models import JournalEntry


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    """Read only: the journal is written by the acts themselves, never by hand."""

    list_display = ("sequence", "at", "act", "actor", "object_repr", "short_hash")
    list_filter = ("act",)
    search_fields = ("actor", "object_repr", "hash")
    date_hierarchy = "at"
    show_full_result_count = False

    @admin.display(description="empreinte")
    def short_hash(self, entry):
        return f"{entry.hash[:12]}…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
