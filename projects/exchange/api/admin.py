import datetime

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects.exchange.api.models import ApiCall, ApiToken, ServiceAccount
from projects.exchange.api.services import create_token, revoke_token


class TokenInline(admin.TabularInline):
    model = ApiToken
    fields = ("name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    """A service account is a user (give it memberships as to a person) that signs in with tokens only."""

    list_display = ("user", "description", "created_at")
    search_fields = ("user__username", "description")
    autocomplete_fields = ("user",)
    inlines = [TokenInline]


@admin.action(description=_("Révoquer les jetons sélectionnés"))
def revoke(modeladmin, request, queryset):
    for token in queryset:
        revoke_token(token=token, by=request.user)
    revoked = ngettext(
        "%(count)d jeton révoqué : il n’est plus accepté.",
        "%(count)d jetons révoqués : ils ne sont plus acceptés.",
        len(queryset),
    )
    modeladmin.message_user(request, revoked % {"count": len(queryset)}, messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("account",)
    list_select_related = ("account__user",)
    actions = [revoke]
    fields = ("account", "name", "expires_at", "prefix", "created_at", "created_by", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        # Once created a token never changes: to change it, revoke it and create another.
        if obj is not None:
            return self.fields
        return ("prefix", "created_at", "created_by", "last_used_at", "revoked_at")

    def get_changeform_initial_data(self, request):
        return {"expires_at": timezone.now() + datetime.timedelta(days=365)}

    def save_model(self, request, obj, form, change):
        token, secret = create_token(account=obj.account, name=obj.name, expires_at=obj.expires_at, by=request.user)
        obj.pk, obj.prefix, obj.created_at = token.pk, token.prefix, token.created_at
        obj._state.adding = False
        self.message_user(
            request,
            _("Secret du jeton, affiché cette seule fois : %(secret)s — copiez-le maintenant dans le système appelant.")
            % {"secret": secret},
            messages.WARNING,
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ("at", "token", "user", "method", "path", "status")
    list_filter = ("status",)
    list_select_related = ("token", "user")
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
