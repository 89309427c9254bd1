"""Creating and revoking API tokens."""

import secrets

from django.db import transaction
from django.utils import timezone

from projects.exchange.api.models import ApiToken, ServiceAccount, secret_hash
from projects.journal.models import JournalAct
from projects.journal.services import record

SECRET_PREFIX = "fipe_"


def create_token(
    *, account: ServiceAccount, name: str, expires_at, by, secret: str | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is returned once and never stored.

    `secret` is for the demo only, whose token must be known in advance; otherwise it is random.
    """
    secret = secret or SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            account=account,
            name=name,
            prefix=secret[: len(SECRET_PREFIX) + 4],
            secret_hash=secret_hash(secret),
            expires_at=expires_at,
            created_by=by,
        )
        record(
            actor=by,
            act=JournalAct.TOKEN_CREATED,
            obj=token,
            data={"account": account.user.get_username(), "name": name, "expires_at": expires_at},
        )
    return token, secret


def revoke_token(*, token: ApiToken, by) -> ApiToken:
    """Revoke the token at once; revoking it again changes nothing."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("account__user").get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(
                actor=by,
                act=JournalAct.TOKEN_REVOKED,
                obj=token,
                data={"account": token.account.user.get_username(), "name": token.name},
            )
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    return ApiToken.objects.select_related("account__user").filter(secret_hash=secret_hash(secret)).first()
