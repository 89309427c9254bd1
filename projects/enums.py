from django.db import models
from django.utils.translation import gettext_lazy as _


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clos")
    RESULTS_PUBLISHED = "results_published", _("Résultats publiés")


# A call takes the files staff enter or import while in preparation or open (online: open and within its dates).
ACCEPTING_CALL_STATUSES = frozenset({CallStatus.DRAFT, CallStatus.OPEN})


class LegalForm(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    EPCI = "epci", _("EPCI (intercommunalité)")
    CCAS = "ccas", _("CCAS / CIAS")
    ASSOCIATION = "association", _("Association")
    COMPANY = "company", _("Entreprise")
    OTHER = "other", _("Autre")


class Category(models.TextChoices):
    NEW_PLACES = "new_places", _("Création de places d’accueil")
    ATYPICAL_HOURS = "atypical_hours", _("Accueil en horaires atypiques")
    PARENT_RESPITE = "parent_respite", _("Répit parental")
    PROFESSIONAL_TRAINING = "professional_training", _("Formation des professionnels")
    LANGUAGE = "language", _("Langage et éveil")
    SCHOOL_BRIDGE = "school_bridge", _("Passerelle vers l’école maternelle")
    DISABILITY = "disability", _("Inclusion des enfants en situation de handicap")
    OTHER = "other", _("Autre")


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposé")
    IN_REVIEW = "in_review", _("En instruction")
    AWAITING_INFORMATION = "awaiting_information", _("En attente de compléments")
    REVIEWED = "reviewed", _("Instruit")
    PROPOSED = "proposed", _("Proposé par le CDSF")
    NOT_PROPOSED = "not_proposed", _("Non proposé par le CDSF")
    LAUREATE = "laureate", _("Lauréat")
    NOTIFIED = "notified", _("Lauréat notifié")
    REJECTED = "rejected", _("Rejeté")
    WITHDRAWN = "withdrawn", _("Retiré")


# What an applicant or the public may be told; internal steps are not disclosed.
PUBLIC_STATUS_LABELS = {
    Status.DRAFT: _("En cours de dépôt"),
    Status.SUBMITTED: _("Dossier reçu"),
    Status.IN_REVIEW: _("En cours d’examen"),
    Status.AWAITING_INFORMATION: _("Compléments demandés"),
    Status.REVIEWED: _("En cours d’examen"),
    Status.PROPOSED: _("En cours d’examen"),
    Status.NOT_PROPOSED: _("En cours d’examen"),
    # Approved, not yet notified: the applicant learns the outcome from the letter.
    Status.LAUREATE: _("En cours d’examen"),
    Status.NOTIFIED: _("Retenu"),
    Status.REJECTED: _("Non retenu"),
    Status.WITHDRAWN: _("Retiré"),
}

OPEN_STATUSES = frozenset(
    {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.AWAITING_INFORMATION,
        Status.REVIEWED,
        Status.PROPOSED,
        Status.NOT_PROPOSED,
    }
)
AWARDED_STATUSES = frozenset({Status.LAUREATE, Status.NOTIFIED})
# Once instruction starts, reviewers score what was filed: the file itself no longer changes.
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.SUBMITTED})
# The Caf and the DDETS review a file once it is filed and until their instruction is closed; not while it
# awaits the information they asked for (the answer may change what they would write).
REVIEWABLE_STATUSES = frozenset({Status.SUBMITTED, Status.IN_REVIEW})
# A decision letter answers each of these: an award, or a refusal.
DECIDED_STATUSES = AWARDED_STATUSES | {Status.REJECTED}


class Funder(models.TextChoices):
    STATE = "state", _("État")
    CNAF = "cnaf", _("Cnaf")


class LetterKind(models.TextChoices):
    AWARD = "award", _("Lettre d’attribution")
    REFUSAL = "refusal", _("Lettre de refus")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échec")


UNFINISHED_BATCH_STATUSES = frozenset({BatchStatus.PENDING, BatchStatus.RUNNING})


class ImportStatus(models.TextChoices):
    CHECK_PENDING = "check_pending", _("Vérification en attente")
    CHECKING = "checking", _("Vérification en cours")
    CHECKED = "checked", _("Vérifié : prêt à importer")
    REFUSED = "refused", _("Refusé : rien n’a été enregistré")
    IMPORT_PENDING = "import_pending", _("Import en attente")
    IMPORTING = "importing", _("Import en cours")
    DONE = "done", _("Importé")


UNFINISHED_IMPORT_STATUSES = frozenset(
    {ImportStatus.CHECK_PENDING, ImportStatus.CHECKING, ImportStatus.IMPORT_PENDING, ImportStatus.IMPORTING}
)
