"""Service accounts of the funders' other systems, their API tokens and the log of their calls."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def secret_hash(secret: str) -> str:
    """Tokens are stored as the SHA-256 of their secret: a stolen database gives no usable token.

    A plain hash is enough (no salt, no slow function): the secret is 256 random bits, not a password.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


class ServiceAccount(models.Model):
    """A user that is a system, not a person: its memberships give the scope of its tokens."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="service_account",
        verbose_name=_("utilisateur"),
    )
    description = models.CharField(
        _("système appelant"), max_length=255, help_text=_("Par exemple : SI financier de la Caf de l’Aude")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compte de service")
        verbose_name_plural = _("comptes de service")

    def __str__(self):
        return f"{self.user.get_username()} — {self.description}"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    account = models.ForeignKey(
        ServiceAccount, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("compte de service")
    )
    name = models.CharField(_("nom"), max_length=100, help_text=_("Pour le reconnaître : « production 2026 »"))
    prefix = models.CharField(_("début du jeton"), max_length=12, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    expires_at = models.DateTimeField(_("expire le"))
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d’API")
        verbose_name_plural = _("jetons d’API")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class ApiCall(models.Model):
    """One request to the API: who, what, the answer's status. Kept apart from the journal, which records acts."""

    token = models.ForeignKey(ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("appel à l’API")
        verbose_name_plural = _("appels à l’API")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M:%S} {self.method} {self.path} → {self.status}"
