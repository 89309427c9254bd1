from django.contrib import admin

from projects.applicants.models import Acknowledgement, InformationRequest, RequiredDocument, SignInLink, ThreadMessage


class RequiredDocumentInline(admin.TabularInline):
    """The documents each call requires, set on the call's own page (projects.admin.CallAdmin)."""

    model = RequiredDocument
    extra = 1
    fields = ["label", "help_text", "order"]


@admin.register(SignInLink)
class SignInLinkAdmin(admin.ModelAdmin):
    """For support: whether a link was sent and used. The token itself is never stored."""

    list_display = ["email", "created_at", "used_at", "ip"]
    search_fields = ["email"]
    readonly_fields = ["email", "token_hash", "ip", "created_at", "used_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InformationRequest)
class InformationRequestAdmin(admin.ModelAdmin):
    list_display = ["application", "asked_at", "deadline", "answered_at", "reminded_at"]
    list_select_related = ["application"]
    readonly_fields = ["application", "asked_by", "asked_at", "answered_by", "answered_at", "reminded_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ThreadMessage)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["application", "created_at", "author", "author_email", "internal"]
    list_select_related = ["application", "author"]
    readonly_fields = ["application", "author", "author_email", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["application", "generated_at", "sha256"]
    readonly_fields = ["application", "file", "sha256", "generated_at", "document"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
