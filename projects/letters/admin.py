from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projects.models import (
    DecisionLetter,
    IssuedDocument,
    LetterBatch,
    Signatory,
)


@admin.register(Signatory)
class SignatoryAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "capacity", "organisation", "key_source", "key_name", "is_active"]
    list_filter = ["is_active", "organisation__kind", "organisation"]
    search_fields = ["last_name", "first_name", "capacity", "organisation__name"]
    list_select_related = ["organisation"]
    fieldsets = [
        (None, {"fields": ["organisation", "first_name", "last_name", "capacity", "signature_image", "is_active"]}),
        (_("Affaire suivie par"), {"fields": ["service", "case_officer", "phone", "email"]}),
        (
            _("Clé de signature électronique"),
            {
                "fields": ["key_source", "key_name", "pkcs11_module", "pkcs11_token", "pkcs11_key"],
                "description": _(
                    "Le mot de passe ou le code PIN n’est jamais enregistré ici : il est lu dans la variable "
                    "d’environnement FIPE_SIGNING_PASSWORD_<NOM DE LA CLÉ> ou le fichier <nom>.pass du dossier "
                    "SIGNING_KEYS_DIR."
                ),
            },
        ),
    ]


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


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "version", "issued_at", "issuer", "verification_code", "sha256"]
    list_filter = ["kind", "issued_at"]
    search_fields = ["reference", "verification_code", "sha256"]
    exclude = ["file"]
    date_hierarchy = "issued_at"
