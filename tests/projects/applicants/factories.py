"""Applicants in business situations: signed in, filing to an open call, answering a request."""

import datetime

from django.test import Client
from django.utils import timezone

from projects.applicants.models import RequiredDocument
from projects.applicants.views import APPLICANT_SESSION_KEY
from tests.projects.factories import ApplicantFactory, ApplicationFactory, CallFactory


def signed_in_applicant(email: str) -> Client:
    """A browser whose session holds the applicant's address, as a used sign-in link leaves it."""
    client = Client()
    session = client.session
    session[APPLICANT_SESSION_KEY] = email
    session.save()
    return client


def open_call(**fields):
    """A call open today (its dates around today) that requires a budget and a RIB."""
    today = timezone.localdate()
    call = CallFactory(
        reference=fields.pop("reference", "FIPE-OCC-2027"),
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=30),
        first_year=2027,
        last_year=2028,
        **fields,
    )
    RequiredDocument.objects.create(call=call, label="Budget prévisionnel", order=1)
    RequiredDocument.objects.create(call=call, label="RIB", order=2)
    return call


def closed_call():
    """A call whose closing date is past, though its status still says open."""
    today = timezone.localdate()
    return CallFactory(
        reference="FIPE-OCC-2026",
        opens_on=today - datetime.timedelta(days=60),
        closes_on=today - datetime.timedelta(days=1),
        first_year=2026,
        last_year=2027,
    )


def file_of(email: str, **fields):
    """A file received by the services whose contact is `email`."""
    return ApplicationFactory(applicant=ApplicantFactory(contact_email=email), **fields)
