"""Service accounts with a token, and a client that calls the API with it."""

import datetime

from django.test import Client
from django.utils import timezone

from projects.exchange.api.models import ServiceAccount
from projects.exchange.api.services import create_token
from tests.departments.factories import UserFactory


def service_account(role_factory, *args, description="SI de test"):
    """A service account holding the membership `role_factory` gives (caf_instructor, regional_approver…)."""
    user = role_factory(*args)
    return ServiceAccount.objects.create(user=user, description=description)


def token_secret(account, *, expires_in=datetime.timedelta(days=30), by=None):
    """The secret of a new token of `account`."""
    _token, secret = create_token(
        account=account, name="test", expires_at=timezone.now() + expires_in, by=by or UserFactory(is_staff=True)
    )
    return secret


def api(secret=None) -> Client:
    """A test client that sends the token, if any."""
    return Client(headers={"Authorization": f"Bearer {secret}"} if secret else {})
