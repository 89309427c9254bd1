"""The journal's entries for the acts of instruction and committee: reviews submitted, conflicts
declared, committees closed. Connected in `ReviewsConfig.ready()`.
"""

from django.db.models.signals import post_save

from projects.journal.models import JournalAct
from projects.journal.services import record
from reviews.models import CommitteeMeeting, ConflictDeclaration, Review


def review_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or instance.submitted_at is None:
        return
    record(
        actor=instance.author,
        act=JournalAct.REVIEW_SUBMITTED,
        obj=instance,
        data={
            "kind": instance.kind,
            "opinion": instance.opinion,
            "total": instance.total,
        },
    )


def conflict_declared(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    record(
        actor=instance.user,
        act=JournalAct.CONFLICT_DECLARED,
        obj=instance,
        data={"has_conflict": instance.has_conflict, "note": instance.note},
    )


def meeting_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or created or not update_fields or "closed_at" not in update_fields or instance.closed_at is None:
        return
    record(
        actor=instance.closed_by,
        act=JournalAct.COMMITTEE_CLOSED,
        obj=instance,
        data={"department": instance.department_id, "date": instance.date, "minutes_sha256": instance.minutes_sha256},
    )


def connect() -> None:
    for sender, receiver in (
        (Review, review_saved),
        (ConflictDeclaration, conflict_declared),
        (CommitteeMeeting, meeting_saved),
    ):
        post_save.connect(receiver, sender=sender, dispatch_uid=f"journal.{receiver.__name__}")
