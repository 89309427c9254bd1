"""The application, its applicant, the amounts it requests per year, its attachments and its status history."""

import hashlib
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from departments.models import Department, validate_siret
from departments.permissions import get_scope
from projects.enums import AWARDED_STATUSES, EDITABLE_STATUSES, Category, LegalForm, Status
from projects.exceptions import PermissionRefused, TransitionNotAllowed
from projects.journal.services import record_transitions
from projects.models.calls import Call
from projects.money import MONEY, YearAmount, check_year_amounts, positive_amount
from projects.tabs import summary_only
from projects.workflow import TRANSITIONS

validate_rna = RegexValidator(
    r"^W\d{9}$", _("Le numéro RNA s’écrit W suivi de 9 chiffres (par exemple W313012345)."), code="invalid_rna"
)


class ApplicantQuerySet(models.QuerySet):
    def shared_beyond(self, user):
        """Applicants with a file in a department the user does not manage.

        An applicant's name, address and contact are those of all its files, in every region
        (the letters of each go there): projects.services.refuse_shared_applicant_changes keeps
        them for users who manage every one of those files.
        """
        outside = Application.objects.exclude(department_id__in=get_scope(user).department_ids(Action.MANAGE))
        return self.filter(pk__in=outside.values("applicant_id"))


class Applicant(models.Model):
    legal_name = models.CharField(_("raison sociale"), max_length=255)
    legal_form = models.CharField(_("forme juridique"), max_length=20, choices=LegalForm.choices)
    siret = models.CharField(_("SIRET"), max_length=14, unique=True, validators=[validate_siret])
    rna = models.CharField(_("numéro RNA"), max_length=10, blank=True, validators=[validate_rna])
    address = models.CharField(_("adresse"), max_length=255)
    postal_code = models.CharField(
        _("code postal"), max_length=5, validators=[RegexValidator(r"^\d{5}$", _("5 chiffres."))]
    )
    commune = models.CharField(_("commune"), max_length=150)
    contact_name = models.CharField(_("nom du contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("courriel du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone du contact"), max_length=20, blank=True)

    objects = ApplicantQuerySet.as_manager()

    class Meta:
        verbose_name = _("porteur de projet")
        verbose_name_plural = _("porteurs de projet")
        ordering = ["legal_name"]

    def __str__(self):
        return self.legal_name

    def clean(self):
        if self.legal_form == LegalForm.ASSOCIATION and not self.rna:
            raise ValidationError({"rna": _("Une association doit indiquer son numéro RNA.")})

    @property
    def siren(self) -> str:
        return self.siret[:9]


class ReferenceCounter(models.Model):
    """The last sequence number used per call and department, so references have no gaps."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "department"], name="one_counter_per_call_department")]

    def __str__(self):
        return f"{self.call_id}/{self.department_id}: {self.last_number}"


# Rows per INSERT when a bulk transition writes its history, as the import batches its own rows.
HISTORY_BATCH_SIZE = 500


def _moved_fields(transition, now) -> dict:
    """The fields a transition sets on an application, one at a time or in bulk."""
    fields = {"status": transition.target, "updated_at": now}
    if transition.target == Status.SUBMITTED:
        fields["submitted_at"] = now
    return fields


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Applications of the departments the user's memberships cover.

        An application filed online gets its reference when the applicant submits it: until then
        it is the applicant's draft, which no staff page shows.
        """
        return self.filter(department_id__in=get_scope(user).department_ids(Action.VIEW), reference__isnull=False)

    def awarded(self):
        return self.filter(status__in=AWARDED_STATUSES)

    # Workflow, in bulk --------------------------------------------------------

    def _transition(self, name: str, *, by, comment: str = "") -> list["StatusChange"]:
        """Move, at once, those of these applications that are in one of the transition's sources.

        The others are left as they are, without a history row. Queries do not grow with the
        number of rows: one locking SELECT, one UPDATE, the history's INSERTs by batches; a
        caller moving thousands of rows passes them in chunks, as a database bounds the
        parameters of one query. Who may make the move is the caller's to check.
        """
        transition = TRANSITIONS[name]
        if transition.needs_comment and not comment.strip():
            raise TransitionNotAllowed(_("Indiquez un motif pour « %(label)s ».") % {"label": transition.label})
        with transaction.atomic():
            # The statuses are read under row locks, as Application._transition() does, so that each
            # history row names the status its application really left. of=("self",): a filter
            # through a relation (the applicant, the department) must not lock those rows too.
            moving = list(
                self.filter(status__in=transition.sources)
                .select_for_update(of=("self",))
                .values_list("pk", "status", "reference")
            )
            now = timezone.now()
            Application.objects.filter(pk__in=[pk for pk, _status, _ref in moving]).update(
                **_moved_fields(transition, now)
            )
            changes = StatusChange.objects.bulk_create(
                [
                    StatusChange(
                        application_id=pk,
                        from_status=status,
                        to_status=transition.target,
                        by=by,
                        at=now,
                        comment=comment.strip(),
                    )
                    for pk, status, _ref in moving
                ],
                batch_size=HISTORY_BATCH_SIZE,
            )
            record_transitions(changes, {pk: reference for pk, _status, reference in moving})
            return changes

    def submit(self, *, by, comment: str = "") -> list["StatusChange"]:
        """Submit the drafts among these applications, as Application.submit() does one by one.

        Applications that are not drafts are not moved and get no history row: the history
        rows returned, one per submitted application, say which moved. Unlike
        Application.submit(), this does not check that `by` may submit in each application's
        department: the caller does (the import, per department, as it reads the file).
        """
        return self._transition("submit", by=by, comment=comment)


class Application(models.Model):
    # None while an online draft: the reference is allocated when the applicant submits it.
    reference = models.CharField(_("référence"), max_length=60, unique=True, null=True, editable=False)
    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("appel à projets")
    )
    applicant = models.ForeignKey(
        Applicant, on_delete=models.PROTECT, related_name="applications", verbose_name=_("porteur de projet")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="applications", verbose_name=_("département")
    )
    commune = models.CharField(_("commune du projet"), max_length=150)
    title = models.CharField(_("intitulé du projet"), max_length=255)
    summary = models.TextField(_("résumé"))
    category = models.CharField(_("catégorie"), max_length=30, choices=Category.choices)
    qpv = models.BooleanField(_("en quartier prioritaire de la politique de la ville (QPV)"), default=False)
    target_public = models.CharField(_("public visé"), max_length=255, blank=True)
    total_budget = models.DecimalField(_("budget total du projet (€)"), **MONEY, validators=[positive_amount])
    # Kept equal to the sum of the RequestedAmount rows by set_requested_amounts(), so lists can filter and sort on it.
    requested_total = models.DecimalField(_("montant demandé (€)"), **MONEY, default=Decimal("0"), editable=False)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    submitted_at = models.DateTimeField(_("déposé le"), null=True, blank=True, editable=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["reference"]
        indexes = [
            models.Index(fields=["call", "department", "status"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["status"]),
        ]
        constraints = [
            models.CheckConstraint(name="application_budget_positive", condition=Q(total_budget__gt=0)),
            models.CheckConstraint(name="application_requested_non_negative", condition=Q(requested_total__gte=0)),
        ]

    def __str__(self):
        return f"{self.reference or _('Brouillon')} — {self.title}"

    # Workflow ---------------------------------------------------------------

    def allowed_transitions(self, user) -> list:
        """Transitions the user may apply now, for buttons on pages."""
        scope = get_scope(user)
        return [
            t
            for t in TRANSITIONS.values()
            if self.status in t.sources
            and scope.can(t.action, self.department_id)
            and not (t.needs_full_file and summary_only(user, self))
        ]

    def _transition(self, name: str, *, by, comment: str = "") -> "StatusChange":
        transition = TRANSITIONS[name]
        if not get_scope(by).can(transition.action, self.department_id):
            raise PermissionRefused(
                _("Vous n’avez pas le droit de « %(label)s » pour ce département.") % {"label": transition.label}
            )
        return self._move(transition, by=by, comment=comment)

    def applicant_transition(self, name: str, *, email: str, comment: str = "") -> "StatusChange":
        """A move the applicant makes from their space; the caller has checked that `email` holds the file."""
        transition = TRANSITIONS[name]
        if not transition.by_applicant:
            raise PermissionRefused(_("Le porteur de projet ne peut pas « %(label)s ».") % {"label": transition.label})
        return self._move(transition, by=None, by_applicant=email, comment=comment)

    def _move(self, transition, *, by, comment: str, by_applicant: str = "") -> "StatusChange":
        if transition.needs_comment and not comment.strip():
            raise TransitionNotAllowed(_("Indiquez un motif pour « %(label)s ».") % {"label": transition.label})
        with transaction.atomic():
            # Re-read the status under a row lock: two people acting at once must not both move it.
            current = Application.objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
            if current not in transition.sources:
                raise TransitionNotAllowed(
                    _("Impossible de « %(label)s » : le dossier %(reference)s est au statut « %(status)s ».")
                    % {"label": transition.label, "reference": self.reference, "status": Status(current).label}
                )
            if transition.needs_full_file and summary_only(by, self):
                raise PermissionRefused(
                    _(
                        "Déclarez d’abord n’avoir aucun conflit d’intérêts avec le dossier %(reference)s : "
                        "« %(label)s » n’est possible qu’à qui peut lire le dossier complet."
                    )
                    % {"label": transition.label, "reference": self.reference}
                )
            moved = _moved_fields(transition, timezone.now())
            for field, value in moved.items():
                setattr(self, field, value)
            self.save(update_fields=list(moved))
            return StatusChange.objects.create(
                application=self,
                from_status=current,
                to_status=transition.target,
                by=by,
                by_applicant=by_applicant,
                comment=comment.strip(),
            )

    def submit(self, *, by, comment=""):
        from projects.notifications import events  # the outbox's models are loaded after these

        with transaction.atomic():
            change = self._transition("submit", by=by, comment=comment)
            events.application_submitted(self)
        return change

    def start_review(self, *, by, comment=""):
        return self._transition("start_review", by=by, comment=comment)

    def request_information(self, *, by, comment=""):
        """Only projects.applicants.exchanges.request_information calls this: it also records the request."""
        return self._transition("request_information", by=by, comment=comment)

    def information_provided(self, *, by, comment=""):
        return self._transition("information_provided", by=by, comment=comment)

    def mark_reviewed(self, *, by, comment=""):
        return self._transition("mark_reviewed", by=by, comment=comment)

    def reopen_review(self, *, by, comment):
        return self._transition("reopen_review", by=by, comment=comment)

    def propose(self, *, by, comment=""):
        return self._transition("propose", by=by, comment=comment)

    def not_propose(self, *, by, comment=""):
        return self._transition("not_propose", by=by, comment=comment)

    def approve(self, *, by, comment=""):
        """Only projects.awards.services.approve_laureate calls this: it also creates the award."""
        return self._transition("approve", by=by, comment=comment)

    def reject(self, *, by, comment):
        return self._transition("reject", by=by, comment=comment)

    def notify(self, *, by, comment=""):
        return self._transition("notify", by=by, comment=comment)

    def withdraw(self, *, by, comment):
        return self._transition("withdraw", by=by, comment=comment)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def check_editable(self) -> None:
        """Rule: a file (its fields, its applicant, its requested amounts) changes only until its
        instruction starts; reviews, proposal and award are then made of what it says (an award
        is never above what was requested)."""
        if not self.is_editable:
            raise TransitionNotAllowed(
                _("Le dossier %(reference)s est au statut « %(status)s » : il ne peut plus être modifié.")
                % {"reference": self.reference, "status": self.get_status_display()}
            )

    def joined(self, name: str) -> tuple[bool, models.Model | None]:
        """Whether the one-to-one `name` (`proposal`, `award`) was read with the application, and its value.

        The detail page reads them in its one query (select_related) so that its tabs, which
        would each query them, can share them; a tab called without them queries as before.
        """
        field = self._meta.get_field(name)
        if not field.is_cached(self):
            return False, None
        return True, field.get_cached_value(self)

    # Amounts ----------------------------------------------------------------

    def requested_by_year(self) -> dict[int, Decimal]:
        return {row.year: row.amount for row in self.requested_amounts.all()}

    def set_requested_amounts(self, amounts_by_year: dict[int, Decimal]) -> None:
        """Replace the amounts requested per programme year (validated by the caller's form)."""
        self.check_editable()
        # Checked here too: every entry point (form, admin, import) ends here, and the database
        # constraint would otherwise answer with an IntegrityError.
        checked = check_year_amounts(amounts_by_year, years=self.call.programme_years)
        if checked.problems:
            raise ValidationError(list(checked.problems.values()))
        amounts_by_year = checked.amounts
        with transaction.atomic():
            self.requested_amounts.all().delete()
            RequestedAmount.objects.bulk_create(
                RequestedAmount(application=self, year=year, amount=amount)
                for year, amount in sorted(amounts_by_year.items())
                if amount
            )
            self.requested_total = sum(amounts_by_year.values(), Decimal("0"))
            self.save(update_fields=["requested_total", "updated_at"])


class RequestedAmount(YearAmount):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="requested_amounts")

    class Meta(YearAmount.Meta):
        verbose_name = _("montant demandé")
        constraints = [
            models.UniqueConstraint(fields=["application", "year"], name="one_requested_amount_per_year"),
            models.CheckConstraint(name="requested_amount_non_negative", condition=Q(amount__gte=0)),
        ]


def attachment_path(instance, filename):
    # A generated name: the user's file name is kept in original_name, never used on disk.
    return f"attachments/{instance.application_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("fichier"), upload_to=attachment_path)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    # A member of staff, or (uploaded_by empty) the applicant from their space, by their address.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    uploaded_by_applicant = models.EmailField(_("déposée par le porteur"), blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Which of the call's required documents it is, when the applicant filed it online.
    requirement = models.ForeignKey(
        "projects.RequiredDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("pièce demandée"),
    )
    # The request for more information it answers, if any.
    information_request = models.ForeignKey(
        "projects.InformationRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name

    @property
    def uploader(self) -> str:
        if self.uploaded_by is None:
            return _("%(email)s (porteur de projet)") % {"email": self.uploaded_by_applicant}
        return self.uploaded_by.get_full_name() or self.uploaded_by.username


class StatusChange(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("de"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("vers"), max_length=20, choices=Status.choices)
    # A member of staff, or (by empty) the applicant from their space, by their address.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("par"),
    )
    by_applicant = models.EmailField(_("par le porteur"), blank=True)
    at = models.DateTimeField(_("le"), default=timezone.now)
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("historique des statuts")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.application.reference}: {self.from_status} → {self.to_status}"

    @property
    def actor(self) -> str:
        if self.by is None:
            return _("%(email)s (porteur de projet)") % {"email": self.by_applicant}
        return self.by.get_full_name() or self.by.username


def file_sha256(django_file) -> str:
    digest = hashlib.sha256()
    django_file.seek(0)
    for chunk in django_file.chunks():
        digest.update(chunk)
    django_file.seek(0)
    return digest.hexdigest()
