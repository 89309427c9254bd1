"""Decision letters, their signatories and the batches that produce them."""

import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from departments.models import Department, Organisation
from projects.enums import AWARDED_STATUSES, UNFINISHED_BATCH_STATUSES, BatchStatus, LetterKind, Status


class KeySource(models.TextChoices):
    PKCS12 = "pkcs12", _("Fichier PKCS#12")
    PKCS11 = "pkcs11", _("Jeton PKCS#11 (carte, HSM)")


class Signatory(models.Model):
    """Who signs the letters on behalf of an organisation (the regional prefect or their delegate)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signatories", verbose_name=_("organisation")
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    capacity = models.CharField(
        _("qualité"), max_length=255, help_text=_("Par exemple : Le préfet de la région Occitanie")
    )
    signature_image = models.ImageField(_("image de la signature"), upload_to="signatures/", blank=True)
    is_active = models.BooleanField(_("signataire en fonction"), default=True)
    # « Affaire suivie par »: the service that prepares the signatory's letters and whom to call there.
    service = models.CharField(_("service"), max_length=200, blank=True)
    case_officer = models.CharField(_("affaire suivie par"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    # The signing key. Its password is never stored here: see projects.letters.signing.
    key_source = models.CharField(
        _("support de la clé de signature"), max_length=10, choices=KeySource.choices, default=KeySource.PKCS12
    )
    key_name = models.CharField(
        _("nom de la clé"),
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Lettres minuscules, chiffres et tirets seulement."))],
        help_text=_(
            "PKCS#12 : le fichier <nom>.p12 du dossier SIGNING_KEYS_DIR ; son mot de passe est lu dans la variable "
            "d’environnement FIPE_SIGNING_PASSWORD_<NOM> ou le fichier <nom>.pass du même dossier, jamais en base."
        ),
    )
    pkcs11_module = models.CharField(_("module PKCS#11"), max_length=255, blank=True)
    pkcs11_token = models.CharField(_("jeton PKCS#11"), max_length=100, blank=True)
    pkcs11_key = models.CharField(_("libellé de la clé PKCS#11"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("signataire")
        ordering = ["organisation", "last_name"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}, {self.capacity}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class DocumentKind(models.TextChoices):
    AWARD_LETTER = "award_letter", _("Lettre d’attribution")
    REFUSAL_LETTER = "refusal_letter", _("Lettre de refus")
    MINUTES = "minutes", _("Procès-verbal du CDSF")
    CONVENTION = "convention", _("Convention attributive de subvention")
    ACKNOWLEDGEMENT = "acknowledgement", _("Accusé de réception")


def document_path(instance, filename):
    return f"documents/{instance.kind}/{instance.sha256[:2]}/{instance.sha256}.pdf"


class IssuedDocument(models.Model):
    """Every PDF we issue, as /verifier/ and `verify_letter` know it: who issued it, when, its SHA-256.

    Written by `projects.letters.storage.issue_document` only; never changed afterwards.
    """

    kind = models.CharField(_("type de document"), max_length=20, choices=DocumentKind.choices)
    reference = models.CharField(_("référence"), max_length=80, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    verification_code = models.CharField(_("code de vérification"), max_length=16, unique=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, db_index=True)
    file = models.FileField(_("fichier PDF"), upload_to=document_path)
    subject = models.CharField(_("objet"), max_length=300)
    issuer = models.CharField(_("émis par"), max_length=200)
    signed_by = models.CharField(_("signé par"), max_length=300, blank=True)
    issued_at = models.DateTimeField(_("émis le"), default=timezone.now)
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2, null=True, blank=True)
    # A public decision (an award) may be described to anyone who holds it; other documents get
    # « authentique » or « non reconnu » and nothing more.
    is_public = models.BooleanField(_("décision publique"), default=False)

    class Meta:
        verbose_name = _("document émis")
        verbose_name_plural = _("documents émis")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference} v{self.version}"


# The statuses in which a file calls for each kind of letter: it may be produced and sent then.
ELIGIBLE_STATUSES = {LetterKind.AWARD: AWARDED_STATUSES, LetterKind.REFUSAL: frozenset({Status.REJECTED})}


class DecisionLetterQuerySet(models.QuerySet):
    def to_send(self):
        """The letters still to send: the latest version of each, not sent yet, of the kind its file's
        status calls for. A version corrected after the first one was sent is to send too."""
        later = DecisionLetter.objects.filter(
            application=OuterRef("application"), kind=OuterRef("kind"), version__gt=OuterRef("version")
        )
        eligible = Q()
        for kind, statuses in ELIGIBLE_STATUSES.items():
            eligible |= Q(kind=kind, application__status__in=statuses)
        return self.filter(eligible, sent_at__isnull=True).exclude(Exists(later))


def letter_path(instance, filename):
    return f"letters/{instance.application_id}/{instance.kind}-v{instance.version}-{instance.sha256[:12]}.pdf"


class DecisionLetter(models.Model):
    """One generated version of a decision letter; earlier versions are kept."""

    application = models.ForeignKey("projects.Application", on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(_("type de courrier"), max_length=10, choices=LetterKind.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("fichier PDF"), upload_to=letter_path)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    signatory = models.ForeignKey(
        Signatory, on_delete=models.PROTECT, related_name="letters", verbose_name=_("signataire")
    )
    generated_at = models.DateTimeField(_("généré le"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("généré par")
    )
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    document = models.OneToOneField(
        IssuedDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="decision_letter"
    )

    objects = DecisionLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("courrier de décision")
        verbose_name_plural = _("courriers de décision")
        ordering = ["application", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "version"], name="unique_letter_version"),
        ]

    def __str__(self):
        return f"{self.application.reference} — {self.get_kind_display()} v{self.version}"


def current_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_alive(worker: str) -> bool:
    """False only when `worker` ran on this host and its process is gone; elsewhere, nobody can tell."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# A working batch moves at least once a letter, well under a minute apart. django-tasks never hands a
# started task to another worker, so a batch that has not moved for this long has lost its worker (killed,
# restarted) and would otherwise stay "en cours" for ever. A pending one waits for the worker, which takes
# it within seconds unless it is stopped or busy with a batch of thousands of letters.
BATCH_STALE_AFTER = timedelta(minutes=10)
# projects.letters.tasks.run_letter_batch, which imports this module: named, not imported.
BATCH_TASK_PATH = "projects.letters.tasks.run_letter_batch"


class LetterBatch(models.Model):
    """A batch of letters generated in the background; the page polls its progress."""

    call = models.ForeignKey("projects.Call", on_delete=models.CASCADE, related_name="letter_batches")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("courriers"), max_length=10, default="all")
    status = models.CharField(_("statut"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True)
    archive = models.FileField(upload_to="letter-batches/", blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The heartbeat: the task moves it with every letter (QuerySet.update() does not apply auto_now).
    updated_at = models.DateTimeField(_("dernière activité"), auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The task worker running the batch ("host:pid"): on that host, a pid that no longer runs
    # means the worker died, and the batch is interrupted at once rather than after BATCH_STALE_AFTER.
    worker = models.CharField(max_length=200, blank=True)
    # A batch relaunched after an interrupted one also archives the letters that one produced:
    # its ZIP holds every letter the request made since then.
    letters_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lot de courriers")
        verbose_name_plural = _("lots de courriers")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.call.reference} — {self.created_at:%d/%m/%Y %H:%M}"

    def is_stale(self, now: datetime) -> bool:
        """Still pending or running, but not moved for BATCH_STALE_AFTER, or its worker is known dead."""
        if self.status not in UNFINISHED_BATCH_STATUSES:
            return False
        return now - self.updated_at >= BATCH_STALE_AFTER or (
            self.status == BatchStatus.RUNNING and not worker_alive(self.worker)
        )

    def interrupt_if_stale(self, *, now: datetime) -> None:
        """Close a stale batch as failed, saying so in its report; the letters it produced are kept.

        The row changes only if it has not moved since it was read: a worker that was merely
        slow and reports progress meanwhile keeps its batch.
        """
        if not self.is_stale(now):
            return
        message = _(
            "Le traitement a été interrompu : le lot n’avait plus avancé depuis %(minutes)s minutes, le service "
            "de tâches en arrière-plan s’est sans doute arrêté. Les courriers déjà produits sont conservés ; "
            "relancez le lot : son archive les contiendra aussi."
        ) % {"minutes": int(BATCH_STALE_AFTER.total_seconds() // 60)}
        worker_dead = now - self.updated_at < BATCH_STALE_AFTER
        if worker_dead:
            message = _(
                "Le traitement a été interrompu : le service de tâches en arrière-plan qui le menait s’est arrêté. "
                "Les courriers déjà produits sont conservés ; relancez le lot : son archive les contiendra aussi."
            )
        interrupted = LetterBatch.objects.filter(pk=self.pk, status=self.status, updated_at=self.updated_at).update(
            status=BatchStatus.FAILED,
            # What the batch produced before it stopped stays in its report, the interruption after it.
            report=[*self.report, {"outcome": "failed", "message": str(message)}],
            finished_at=now,
            updated_at=now,
        )
        if interrupted and worker_dead:
            # No worker will ever finish the dead one's task: close it too, rather than leave it running.
            DBTaskResult.objects.filter(
                task_path=BATCH_TASK_PATH, status=TaskResultStatus.RUNNING, args_kwargs__args__0=self.pk
            ).update(status=TaskResultStatus.FAILED, finished_at=now)
        self.refresh_from_db()
