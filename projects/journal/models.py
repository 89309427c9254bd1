"""The journal: an append-only, hash-chained record of every act.

Each entry carries the SHA-256 of the entry before it and its own, computed over a canonical
JSON form of what it says (`canonical_form`). Rewriting, removing or reordering an entry breaks
the chain, which `manage.py verify_journal` recomputes. One row, `JournalHead`, holds the last
sequence number and hash: writers lock it, so there is one writer at a time and the chain
never forks. The rows themselves are never changed: the model refuses it here, and on
PostgreSQL a trigger refuses UPDATE and DELETE whoever sends them (migration 0010_journal).
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class JournalAct(models.TextChoices):
    SIGN_IN = "sign_in", _("Connexion")
    SIGN_IN_FAILED = "sign_in_failed", _("Échec de connexion")
    TRANSITION = "transition", _("Changement de statut")
    REVIEW_SUBMITTED = "review_submitted", _("Avis d’instruction transmis")
    CONFLICT_DECLARED = "conflict_declared", _("Déclaration de conflit d’intérêts")
    COMMITTEE_CLOSED = "committee_closed", _("Séance du CDSF close")
    APPROVAL = "approval", _("Lauréat retenu")
    REJECTION = "rejection", _("Dossier rejeté")
    PAYMENT = "payment", _("Versement enregistré")
    LETTER_GENERATED = "letter_generated", _("Courrier généré")
    LETTER_SENT = "letter_sent", _("Courrier envoyé")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    MEMBERSHIP_ADDED = "membership_added", _("Habilitation ajoutée")
    MEMBERSHIP_CHANGED = "membership_changed", _("Habilitation modifiée")
    MEMBERSHIP_REMOVED = "membership_removed", _("Habilitation retirée")
    SIGNATORY_CHANGED = "signatory_changed", _("Signataire ajouté ou modifié")
    TOKEN_CREATED = "token_created", _("Jeton d’API créé")
    TOKEN_REVOKED = "token_revoked", _("Jeton d’API révoqué")


class JournalRefused(Exception):
    """An attempt to change or remove what the journal has recorded."""


def to_json(data):
    """`data` as JSON values only (Decimal and dates as strings): what is stored is what was hashed."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def canonical_form(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class JournalHead(models.Model):
    """The chain's end: the one row every writer locks before appending."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("tête du journal")

    def __str__(self):
        return f"n° {self.sequence} — {self.hash}"


class JournalEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise JournalRefused("Le journal ne se modifie pas.")

    def delete(self):
        raise JournalRefused("Le journal ne se supprime pas.")

    def for_application(self, application):
        return self.filter(application_id=application.pk)


class JournalEntry(models.Model):
    """One act. The actor and the object are copied as text: the entry outlives them unchanged."""

    sequence = models.PositiveBigIntegerField(_("n°"), unique=True)
    at = models.DateTimeField(_("le"))
    actor_id = models.BigIntegerField(_("identifiant de l’auteur"), null=True, blank=True)
    actor = models.CharField(_("auteur"), max_length=150, blank=True)
    act = models.CharField(_("acte"), max_length=30, choices=JournalAct.choices)
    object_type = models.CharField(_("type d’objet"), max_length=60, blank=True)
    object_id = models.CharField(_("identifiant de l’objet"), max_length=64, blank=True)
    object_repr = models.CharField(_("objet"), max_length=255, blank=True)
    # The file the act concerns, for its « Historique » tab; a plain number, as the entry must outlive it.
    application_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(_("données"), default=dict, blank=True)
    previous_hash = models.CharField(_("empreinte précédente"), max_length=64)
    hash = models.CharField(_("empreinte"), max_length=64, unique=True)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des actes")
        ordering = ["sequence"]

    def __str__(self):
        return f"n° {self.sequence} — {self.get_act_display()} — {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise JournalRefused("Une entrée du journal ne se modifie pas.")
        # A new instance given an existing pk would otherwise UPDATE that row: an entry is only ever inserted.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise JournalRefused("Une entrée du journal ne se supprime pas.")

    def hashed_fields(self) -> dict:
        return {
            "sequence": self.sequence,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor": self.actor,
            "act": self.act,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "application_id": self.application_id,
            "data": self.data,
            "previous_hash": self.previous_hash,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical_form(self.hashed_fields())).hexdigest()
