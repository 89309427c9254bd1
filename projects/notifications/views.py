"""The user's notification preferences, the download link of a large letter, the demo's mailbox."""

import mailbox
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fipe.web import breadcrumb, posted_data, stored_file_response
from projects.letters.pipeline import FILE_LABELS
from projects.models import DecisionLetter
from projects.notifications.events import letter_from_token
from projects.notifications.forms import PreferencesForm
from projects.notifications.models import NotificationPreference
from projects.notifications.services import set_preferences


@require_http_methods(["GET", "POST"])
def preferences(request):
    current = dict(
        NotificationPreference.objects.filter(user=request.user).values_list("event", "frequency"),
    )
    form = PreferencesForm(posted_data(request), current=current)
    if form.is_valid():
        set_preferences(user=request.user, frequencies=form.cleaned_data)
        messages.success(request, _("Vos préférences de notification sont enregistrées."))
        return redirect("projects:notification_preferences")
    return render(
        request,
        "projects/notifications/preferences.html",
        {"form": form, "breadcrumb_data": breadcrumb(_("Mes notifications"))},
    )


@login_not_required
@require_GET
def letter_link(request, token):
    """A decision letter too large to attach, for whoever holds the signed link the applicant received."""
    letter_id = letter_from_token(token)
    if letter_id is None:
        raise Http404
    letter = get_object_or_404(
        DecisionLetter.objects.select_related("application"), pk=letter_id, sent_at__isnull=False
    )
    name = f"{letter.application.reference}-{FILE_LABELS[letter.kind]}-v{letter.version}.pdf"
    return stored_file_response(letter.file, filename=name, content_type="application/pdf")


# The demo's mailbox: what the local SMTP sink of `make run` received -------------------------


def _demo_mailbox() -> mailbox.Maildir:
    if not settings.DEBUG:
        raise Http404
    return mailbox.Maildir(
        settings.DEMO_MAIL_DIR, factory=lambda file: BytesParser(policy=policy.default).parse(file), create=False
    )


def _summary(key: str, message) -> dict:
    attachments = [part.get_filename() for part in message.iter_attachments() if part.get_filename()]
    try:
        sent = parsedate_to_datetime(message["Date"])
    except (TypeError, ValueError):
        sent = None
    return {
        "key": key,
        "date": sent,
        "from": str(message["From"] or ""),
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
        "attachments": attachments,
    }


@require_GET
def sent_mail(request):
    """« Courriels envoyés »: the demo's sink, newest first (only when DEBUG is on)."""
    try:
        box = _demo_mailbox()
        received = sorted(
            (_summary(key, message) for key, message in box.iteritems()),
            key=lambda item: (item["date"] is not None, item["date"]),
            reverse=True,
        )
    except (FileNotFoundError, mailbox.NoSuchMailboxError):
        received = []
    return render(
        request,
        "projects/notifications/sent_mail.html",
        {
            "received": received[:200],
            "total": len(received),
            "mail_dir": settings.DEMO_MAIL_DIR,
            "breadcrumb_data": breadcrumb(_("Courriels envoyés")),
        },
    )


@require_GET
def sent_mail_detail(request, key):
    try:
        message = _demo_mailbox()[key]
    except (KeyError, OSError, mailbox.NoSuchMailboxError):
        raise Http404 from None
    body = message.get_body(preferencelist=("plain",))
    summary = _summary(key, message)
    return render(
        request,
        "projects/notifications/sent_mail_detail.html",
        {
            "mail": summary,
            "text": body.get_content() if body else "",
            "content_type": message.get_content_type(),
            "breadcrumb_data": breadcrumb(summary["subject"], (_("Courriels envoyés"), reverse("projects:sent_mail"))),
        },
    )
