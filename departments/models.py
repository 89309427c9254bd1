from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siret as siret_checker

from departments.enums import OrganisationKind, Role


def validate_siret(value: str) -> None:
    if not siret_checker.is_valid(value):
        raise ValidationError(
            _("« %(value)s » n’est pas un numéro SIRET valide (14 chiffres avec une clé de contrôle juste)."),
            params={"value": value},
            code="invalid_siret",
        )


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=2, unique=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Department(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments", verbose_name=_("région"))

    class Meta:
        verbose_name = _("département")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.name}"

    @property
    def padded_code(self) -> str:
        """The code on three characters, as in application references (031, 02A, 974)."""
        return self.code.rjust(3, "0")


class OrganisationQuerySet(models.QuerySet):
    def of_kind(self, kind: OrganisationKind):
        return self.filter(kind=kind)


class Organisation(models.Model):
    kind = models.CharField(_("type"), max_length=30, choices=OrganisationKind.choices)
    name = models.CharField(_("nom"), max_length=200)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("département"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("région"),
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    address = models.TextField(_("adresse"), blank=True)
    city = models.CharField(
        _("ville"),
        max_length=100,
        blank=True,
        help_text=_("Lieu d’émission des courriers : « Toulouse, le 1er décembre 2026 »."),
    )
    letterhead = models.CharField(
        _("intitulé du bloc-marque"),
        max_length=120,
        blank=True,
        help_text=_("Par exemple : Préfet de la région Occitanie. Vide : déduit du nom (« Préfecture » → « Préfet »)."),
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        ordering = ["kind", "name"]
        constraints = [
            # Departmental bodies have a department, regional ones a region, the Cnaf neither.
            models.CheckConstraint(
                name="organisation_territory_matches_kind",
                condition=(
                    Q(kind__in=["caf", "ddets", "prefecture"], department__isnull=False, region__isnull=True)
                    | Q(kind="regional_prefecture", department__isnull=True, region__isnull=False)
                    | Q(kind="cnaf", department__isnull=True, region__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["kind", "department"], condition=Q(department__isnull=False), name="one_body_per_department"
            ),
            models.UniqueConstraint(
                fields=["kind", "region"], condition=Q(region__isnull=False), name="one_body_per_region"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def letterhead_title(self) -> str:
        """What the State's bloc-marque says for this body, as the charter writes it: « Préfet de l’Aude »."""
        if self.letterhead:
            return self.letterhead
        prefix = "Préfecture "
        return "Préfet " + self.name[len(prefix) :] if self.name.startswith(prefix) else self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("utilisateur")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("rôle"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("habilitation")
        constraints = [models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"
