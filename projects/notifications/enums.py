"""The events the site e-mails about, and those staff may take at once, in the daily digest or never."""

from django.db import models
from django.utils.translation import gettext_lazy


class Event(models.TextChoices):
    APPLICATION_SUBMITTED = "application_submitted", gettext_lazy("Un dossier de mon département est déposé")
    REVIEW_SUBMITTED = "review_submitted", gettext_lazy("L’autre service a transmis son avis, le mien est attendu")
    REVIEWS_COMPLETE = "reviews_complete", gettext_lazy("Les deux avis d’un dossier sont transmis (CDSF)")
    COMMITTEE_CLOSED = "committee_closed", gettext_lazy("Un CDSF a clos sa séance (préfecture de région)")
    LAUREATE_APPROVED = "laureate_approved", gettext_lazy("Un lauréat de mon département est retenu")
    APPLICATION_REJECTED = "application_rejected", gettext_lazy("Un dossier de mon département est rejeté")
    BATCH_FINISHED = "batch_finished", gettext_lazy("Un lot de courriers que j’ai lancé est terminé ou en échec")
    LETTER_SENT = "letter_sent", gettext_lazy("Lettre de décision envoyée au porteur")
    PAYMENT_RECORDED = "payment_recorded", gettext_lazy("Versement annoncé au porteur")
    DIGEST = "digest", gettext_lazy("Résumé quotidien")


# The events staff receive, each of which they may take immediately, in the daily digest or never.
# Those sent to applicants (decisions, payments) cannot be switched off.
STAFF_EVENTS = [
    Event.APPLICATION_SUBMITTED,
    Event.REVIEW_SUBMITTED,
    Event.REVIEWS_COMPLETE,
    Event.COMMITTEE_CLOSED,
    Event.LAUREATE_APPROVED,
    Event.APPLICATION_REJECTED,
    Event.BATCH_FINISHED,
]
