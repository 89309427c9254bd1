from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    CAF = "caf", _("Caf")
    DDETS = "ddets", _("DDETS")
    PREFECTURE = "prefecture", _("Préfecture de département")
    REGIONAL_PREFECTURE = "regional_prefecture", _("Préfecture de région")
    CNAF = "cnaf", _("Cnaf")


class Role(models.TextChoices):
    INSTRUCTOR = "instructor", _("Instructeur ou instructrice")
    COMMITTEE_SECRETARY = "committee_secretary", _("Secrétariat du CDSF")
    APPROVER = "approver", _("Valideur régional")
    ADMIN = "admin", _("Administrateur ou administratrice")


class Action(models.TextChoices):
    """What a user may do on the applications of a department; see departments.permissions."""

    VIEW = "view", _("consulter les dossiers")
    REVIEW = "review", _("instruire les dossiers")
    RUN_COMMITTEE = "run_committee", _("tenir le comité départemental")
    APPROVE = "approve", _("valider les lauréats")
    MANAGE = "manage", _("saisir et modifier les dossiers")
    ISSUE_LETTERS = "issue_letters", _("éditer les courriers de décision")
    EXPORT = "export", _("exporter les décisions")
