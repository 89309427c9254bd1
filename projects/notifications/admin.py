from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects.exceptions import DomainError
from projects.letters.admin import ReadOnlyAdmin
from projects.notifications.enums import Event
from projects.notifications.models import Message, MessageAttachment, MessageStatus, NotificationPreference
from projects.notifications.services import resend_message


class EventFilter(admin.SimpleListFilter):
    title = _("évènement")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        return Event.choices

    def queryset(self, request, queryset):
        return queryset.filter(event=self.value()) if self.value() else queryset


class AttachmentInline(admin.TabularInline):
    model = MessageAttachment
    fields = ["filename", "mimetype"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """The outbox: what was sent to whom, what waits, what failed and why. Written by the application only."""

    list_display = ["created_at", "event_label", "recipient", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", EventFilter, "created_at"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "event",
        "recipient",
        "recipient_user",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "about_type",
        "about_id",
        "digest",
        "body_text",
    ]
    exclude = ["body_html", "claim"]
    inlines = [AttachmentInline]
    actions = ["resend"]

    @admin.display(description=_("évènement"), ordering="event")
    def event_label(self, message):
        return Event(message.event).label if message.event in Event.values else message.event

    @admin.action(description=_("Renvoyer les courriels en échec sélectionnés"))
    def resend(self, request, queryset):
        resent, refused = 0, []
        for message in queryset.filter(status=MessageStatus.FAILED):
            try:
                resend_message(message=message, by=request.user)
            except DomainError as error:
                refused.append(f"{message.recipient} : {error.message}")
            else:
                resent += 1
        skipped = queryset.exclude(status=MessageStatus.FAILED).count()
        if resent:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel remis en file d’envoi.", "%(count)d courriels remis en file d’envoi.", resent
                )
                % {"count": resent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel ignoré : seul un courriel en échec se renvoie.",
                    "%(count)d courriels ignorés : seul un courriel en échec se renvoie.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        for refusal in refused:
            self.message_user(request, refusal, messages.ERROR)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "event", "frequency"]
    list_filter = ["event", "frequency"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
