from django.db import models
from django.utils.translation import gettext_lazy as _


class Opinion(models.TextChoices):
    FAVOURABLE = "favourable", _("Favorable")
    RESERVED = "reserved", _("Favorable avec réserves")
    UNFAVOURABLE = "unfavourable", _("Défavorable")


class ReviewerKind(models.TextChoices):
    """The two bodies that instruct each file jointly (same values as OrganisationKind)."""

    CAF = "caf", _("Caf")
    DDETS = "ddets", _("DDETS")


class MeetingStatus(models.TextChoices):
    OPEN = "open", _("En cours")
    CLOSED = "closed", _("Clos")


class ProposalDecision(models.TextChoices):
    PROPOSED = "proposed", _("Proposé")
    NOT_PROPOSED = "not_proposed", _("Non proposé")


# The default FIPE grid, given to every new call: (code, label, weight, max score).
DEFAULT_CRITERIA = [
    ("C1", _("Territoire et public (besoins, pauvreté, bénéficiaires)"), 1, 5),
    ("C2", _("Qualité (partenariats, transversalité, charte nationale, formation des professionnels)"), 1, 5),
    ("C3", _("Innovation et potentiel d’accélération"), 1, 5),
    ("C4", _("Faisabilité technique et financière"), 1, 5),
]
