"""Writing the journal and checking it."""

import datetime
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone
from rfc3161_client import PKIStatus, TimestampRequestBuilder, TimeStampResponse, decode_timestamp_response

from projects.journal.models import GENESIS_HASH, JournalAct, JournalEntry, JournalHead, to_json

APPLICATION_LABEL = "projects.Application"


def _entry(*, actor, act, at, data, object_type="", object_id="", object_repr="", application_id=None) -> JournalEntry:
    # A user, an applicant's e-mail address (they have no account), or None for the system.
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return JournalEntry(
        at=at,
        actor_id=actor.pk if authenticated else None,
        actor=actor.get_username() if authenticated else (actor if isinstance(actor, str) else ""),
        act=JournalAct(act),
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        application_id=application_id,
        data=to_json(data or {}),
    )


def _object_fields(obj: models.Model | None) -> dict:
    if obj is None:
        return {}
    # By its label, not its class: projects.models records its transitions here, so this module does not import it.
    is_application = obj._meta.label == APPLICATION_LABEL
    return {
        "object_type": obj._meta.label,
        "object_id": str(obj.pk),
        # A file is named by its reference, as the bulk path below names it.
        # A draft filed online has no reference yet.
        "object_repr": (obj.reference or f"brouillon {obj.pk}") if is_application else str(obj),
        "application_id": obj.pk if is_application else getattr(obj, "application_id", None),
    }


def _append(entries: list[JournalEntry]) -> list[JournalEntry]:
    """Chain `entries` after the head and store them, under the head's lock.

    Runs inside the caller's transaction when there is one: the entries are kept if and only
    if the acts are. The head row stays locked until that transaction ends, so entries are
    chained in the order their acts commit and two writers never both extend the same hash.
    """
    # No savepoint: if the append fails, the act it records fails with it.
    with transaction.atomic(savepoint=False):
        head, _created = JournalHead.objects.select_for_update().get_or_create(pk=1)
        sequence, previous_hash = head.sequence, head.hash
        for entry in entries:
            sequence += 1
            entry.sequence, entry.previous_hash = sequence, previous_hash
            entry.hash = previous_hash = entry.compute_hash()
        JournalEntry.objects.bulk_create(entries, batch_size=500)
        JournalHead.objects.filter(pk=1).update(sequence=sequence, hash=previous_hash)
    return entries


def transition_data(change) -> dict:
    return {"from": change.from_status, "to": change.to_status, "comment": change.comment}


def record(
    *, actor, act: JournalAct | str, obj: models.Model | None = None, data: dict | None = None, application=None
) -> JournalEntry:
    """Append one entry for `act` by `actor` (a user, or None for the system) on `obj`.

    `application` names the file the act concerns when `obj` does not lead to it by an `application_id`
    (a payment is on a funding line): the entry then shows on that file's « Historique » tab.
    """
    fields = _object_fields(obj)
    if application is not None:
        fields["application_id"] = application.pk
    return _append([_entry(actor=actor, act=act, at=timezone.now(), data=data, **fields)])[0]


def record_transitions(changes, references: dict[int, str]) -> list[JournalEntry]:
    """One entry per StatusChange written in bulk (bulk_create sends no post_save), in one append.

    `references` maps the applications' ids to their references.
    """
    now = timezone.now()
    return _append(
        [
            _entry(
                actor=change.by,
                act=JournalAct.TRANSITION,
                at=now,
                data=transition_data(change),
                object_type=APPLICATION_LABEL,
                object_id=str(change.application_id),
                object_repr=references[change.application_id],
                application_id=change.application_id,
            )
            for change in changes
        ]
    )


@dataclass(frozen=True)
class Break:
    """The first place where the recorded chain differs from the recomputed one."""

    sequence: int
    reason: str

    def __str__(self):
        return f"entrée n° {self.sequence} : {self.reason}"


def find_break(entries: Iterator[JournalEntry] | None = None) -> tuple[int, Break | None]:
    """Walk the chain from its start; (entries checked, first break or None)."""
    if entries is None:
        entries = JournalEntry.objects.order_by("sequence").iterator(chunk_size=2000)
    previous_sequence, previous_hash, count = 0, GENESIS_HASH, 0
    for entry in entries:
        count += 1
        if entry.sequence != previous_sequence + 1:
            return count, Break(previous_sequence + 1, f"manquante (n° {entry.sequence} suit n° {previous_sequence})")
        if entry.previous_hash != previous_hash:
            return count, Break(entry.sequence, "ne suit pas l’entrée précédente (empreinte précédente différente)")
        if entry.compute_hash() != entry.hash:
            return count, Break(entry.sequence, "contenu modifié (son empreinte ne correspond plus)")
        previous_sequence, previous_hash = entry.sequence, entry.hash
    head = JournalHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence, head.hash) != (previous_sequence, previous_hash):
        return count, Break(previous_sequence + 1, f"manquante (le journal s’arrête à n° {head.sequence})")
    return count, None


def last_entry_of(day: datetime.date) -> JournalEntry | None:
    """The last entry recorded on `day` (local time) or before it: the hash to keep outside."""
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return JournalEntry.objects.filter(at__lt=end).order_by("-sequence").first()


class TimestampFailed(Exception):
    pass


def timestamp(*, digest_hex: str, url: str, timeout: float = 20) -> TimeStampResponse:
    """Have a time-stamping authority (RFC 3161) sign `digest_hex` (the hash as text) and the time."""
    request = TimestampRequestBuilder().data(digest_hex.encode("ascii")).nonce(nonce=True).build()
    http_request = urllib.request.Request(
        url, data=request.as_bytes(), headers={"Content-Type": "application/timestamp-query"}, method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as answer:
            response = decode_timestamp_response(answer.read())
    except (OSError, ValueError) as error:
        raise TimestampFailed(str(error)) from None
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampFailed(f"statut {response.status}")
    return response
