"""Imports too large for a request: the file, who sent it, and where its check and import stand."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.enums import UNFINISHED_IMPORT_STATUSES, ImportStatus

IMPORT_STALE_AFTER = datetime.timedelta(minutes=15)


class ImportJob(models.Model):
    """A file of more than BACKGROUND_ROWS rows, checked then (on confirmation) imported by the
    task worker: the same Resource as the admin's screens and the command, out of any request."""

    call = models.ForeignKey("projects.Call", on_delete=models.CASCADE, related_name="import_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="imports/", blank=True)
    filename = models.CharField(_("fichier"), max_length=255)
    rows = models.PositiveIntegerField(_("lignes (estimation)"), default=0)
    status = models.CharField(
        _("statut"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECK_PENDING
    )
    # The report's summary, its first problems and its counts (projects.exchange.import_report.report_data).
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import de dossiers")
        verbose_name_plural = _("imports de dossiers")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.call.reference} — {self.filename}"

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED_IMPORT_STATUSES

    @property
    def stalled(self) -> bool:
        """Unfinished and untouched for IMPORT_STALE_AFTER: no worker is taking it up (the check of
        50,000 rows takes a few minutes)."""
        return self.unfinished and timezone.now() - self.updated_at >= IMPORT_STALE_AFTER
