"""Decision letters: HTML from the templates, signed PDF/A-3b through WeasyPrint and pyHanko, stored
versions, batches.

The HTML is rendered in the Django process (it needs the database); WeasyPrint and pyHanko only
ever see that HTML string and the description of the signatory's key (no secret, see
`signing.SigningKey`), so a batch can hand the PDF rendering and signing — the slow part — to a
pool of processes that never touch the database, and store the results back in the parent.
"""

import base64
import datetime
import errno
import hashlib
import logging
import mimetypes
import multiprocessing
import os
import signal
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from num2words import num2words
from weasyprint.urls import FatalURLFetchingError

from departments.enums import Action, OrganisationKind
from departments.models import Department, Organisation
from departments.permissions import get_scope
from fipe.french import french_date
from fipe.pdf import render_pdf
from projects.enums import AWARDED_STATUSES, Funder, LetterKind, Status
from projects.exceptions import DomainError, PermissionRefused, TransitionNotAllowed
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.letters.documents import issue_document, new_verification_code, verification_context
from projects.letters.signing import SigningKey, sign_pdf, signing_key
from projects.models import Application, Call, DecisionLetter, DocumentKind, Signatory, StatusChange
from projects.money import CONVENTION_THRESHOLD, format_euros, requires_convention, to_cents
from projects.notifications import events

logger = logging.getLogger(__name__)

TEMPLATES = {LetterKind.AWARD: "projects/letters/award.html", LetterKind.REFUSAL: "projects/letters/refusal.html"}
# Which statuses each kind of letter answers.
ELIGIBLE_STATUSES = {LetterKind.AWARD: AWARDED_STATUSES, LetterKind.REFUSAL: frozenset({Status.REJECTED})}
FILE_LABELS = {LetterKind.AWARD: "attribution", LetterKind.REFUSAL: "refus"}
DOCUMENT_KINDS = {LetterKind.AWARD: DocumentKind.AWARD_LETTER, LetterKind.REFUSAL: DocumentKind.REFUSAL_LETTER}
ALL_KINDS = "all"


class LetterFailed(DomainError):
    """The PDF could not be produced; nothing was stored."""


class LetterAlreadyProduced(DomainError):
    """A batch found the letter produced meanwhile (by someone else): it does not add a version."""


# Amounts --------------------------------------------------------------------


def amount_in_words(amount: Decimal) -> str:
    """« deux cent trente-neuf mille cinq cents euros », « un million d’euros », « … et cinq centimes »."""
    amount = to_cents(amount)
    euros = int(amount)
    cents = int((amount - euros) * 100)
    words = num2words(euros, lang="fr")
    if euros >= 1_000_000 and euros % 1_000_000 == 0:
        # French says « un million d’euros », as for any noun after million or milliard.
        words += " d’euros"
    else:
        words += " euro" if euros in (0, 1) else " euros"
    if cents:
        words += " et " + num2words(cents, lang="fr") + (" centime" if cents == 1 else " centimes")
    return words


# Who and what a letter needs ---------------------------------------------------


def decision_reference(application: Application, kind: str) -> str:
    suffix = "ATT" if kind == LetterKind.AWARD else "REF"
    return f"{application.reference}-{suffix}"


@dataclass(frozen=True)
class LetterSources:
    """What every letter of one call shares: signatory and their key, funders' bodies, date. Loaded once per batch."""

    signatory: Signatory
    key: SigningKey | None  # None for a preview, which is not signed
    signature: str  # the signature image as a data: URI, or ""
    prefecture: Organisation
    cnaf: Organisation | None
    cafs: dict[int, Organisation]
    today: datetime.date

    @classmethod
    def for_call(cls, call: Call, *, signing: bool = True) -> "LetterSources":
        """Refused (DomainError) without a signatory in office, or, when signing, without a usable key."""
        prefecture = Organisation.objects.filter(
            kind=OrganisationKind.REGIONAL_PREFECTURE, region_id=call.region_id
        ).first()
        signatory = (
            # The latest appointed, should an outgoing one not have been deactivated yet.
            Signatory.objects.filter(organisation=prefecture, is_active=True).order_by("-pk").first()
            if prefecture
            else None
        )
        if signatory is None:
            raise DomainError(
                _(
                    "Aucun signataire en fonction pour la préfecture de la région %(region)s : "
                    "ajoutez-en un dans l’administration (Signataires) avant d’éditer les courriers."
                )
                % {"region": call.region.name}
            )
        cafs = {
            org.department_id: org
            for org in Organisation.objects.filter(kind=OrganisationKind.CAF, department__region_id=call.region_id)
        }
        cnaf = Organisation.objects.filter(kind=OrganisationKind.CNAF).first()
        return cls(
            signatory=signatory,
            key=signing_key(signatory) if signing else None,
            signature=signature_data_uri(signatory),
            prefecture=prefecture,
            cnaf=cnaf,
            cafs=cafs,
            today=timezone.localdate(),
        )


def letter_applications():
    """Applications with everything a letter reads, in a constant number of queries."""
    return Application.objects.select_related("applicant", "department", "call__region", "award").prefetch_related(
        "award__lines",
        Prefetch(
            "status_changes",
            queryset=StatusChange.objects.filter(to_status=Status.REJECTED).order_by("-at", "-pk"),
            to_attr="rejections",
        ),
    )


def check_can_issue(user, application: Application) -> None:
    """Only holders of ISSUE_LETTERS on the application's department (regional prefecture, administrators)."""
    if not get_scope(user).can(Action.ISSUE_LETTERS, application.department_id):
        raise PermissionRefused(_("Vous n’avez pas le droit d’éditer les courriers de ce département."))


def check_eligible(application: Application, kind: str) -> None:
    """An award letter answers a laureate (notified or not), a refusal letter a rejected application."""
    if application.status not in ELIGIBLE_STATUSES[kind]:
        if kind == LetterKind.AWARD:
            message = _(
                "Pas de lettre d’attribution pour le dossier %(reference)s : il n’est pas lauréat (« %(status)s »)."
            )
        else:
            message = _("Pas de lettre de refus pour le dossier %(reference)s : il n’est pas rejeté (« %(status)s »).")
        raise TransitionNotAllowed(
            message % {"reference": application.reference, "status": application.get_status_display()}
        )
    if kind == LetterKind.AWARD and not hasattr(application, "award"):
        raise DomainError(
            _("Le dossier %(reference)s n’a pas de subvention enregistrée : la lettre ne peut pas être rédigée.")
            % {"reference": application.reference}
        )


def eligible_kind(application: Application) -> str | None:
    """The kind of letter the application's status calls for, if any."""
    for kind, statuses in ELIGIBLE_STATUSES.items():
        if application.status in statuses:
            return kind
    return None


def letter_context(application: Application, kind: str, sources: LetterSources) -> dict:
    call = application.call
    context = {
        "kind": kind,
        "application": application,
        "applicant": application.applicant,
        "call": call,
        "region": call.region,
        "prefecture": sources.prefecture,
        "cnaf": sources.cnaf,
        "caf": sources.cafs.get(application.department_id),
        "signatory": sources.signatory,
        "signature_data_uri": sources.signature,
        "letter_date": french_date(sources.today),
        "place": sources.prefecture.city,
        "decision_reference": decision_reference(application, kind),
        "demonstration": bool(sources.key and sources.key.demonstration),
    }
    if kind == LetterKind.AWARD:
        award = application.award
        lines = sorted(award.lines.all(), key=lambda line: (line.year, line.funder != Funder.STATE))
        state_total = sum((line.amount for line in lines if line.funder == Funder.STATE), Decimal("0"))
        context.update(
            decision_date=french_date(timezone.localdate(award.approved_at)),
            total_figures=format_euros(award.total),
            total_words=amount_in_words(award.total),
            lines=[
                {
                    "year": line.year,
                    "funder": line.get_funder_display(),
                    "budget_reference": line.budget_reference,
                    "commitment_number": line.commitment_number,
                    "amount": format_euros(line.amount),
                }
                for line in lines
            ],
            state_total=format_euros(state_total),
            cnaf_total=format_euros(award.total - state_total),
            state_percent=_percent(call.state_share),
            cnaf_percent=_percent(call.cnaf_share),
            requires_convention=requires_convention(_yearly_totals(lines).values()),
            convention_threshold=format_euros(CONVENTION_THRESHOLD),
        )
    else:
        rejection = application.rejections[0] if application.rejections else None
        context.update(
            decision_date=french_date(timezone.localdate(rejection.at)) if rejection else "",
            reasons=rejection.comment if rejection else "",
        )
    return context


def _yearly_totals(lines) -> dict[int, Decimal]:
    """The award's amount per year, from its funding lines (already read with the application)."""
    totals: dict[int, Decimal] = {}
    for line in lines:
        totals[line.year] = totals.get(line.year, Decimal("0")) + line.amount
    return totals


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}".replace(".", ",")


def signature_data_uri(signatory: Signatory) -> str:
    """The signature image inlined, so that the preview and the PDF need no media URL (media is never served)."""
    if not signatory.signature_image:
        return ""
    mime = mimetypes.guess_type(signatory.signature_image.name)[0] or "image/png"
    with signatory.signature_image.open("rb") as image:
        return f"data:{mime};base64,{base64.b64encode(image.read()).decode('ascii')}"


def render_letter_html(
    application: Application, kind: str, sources: LetterSources, *, preview: bool = False, code: str = ""
) -> str:
    """The letter's HTML; `code` is its verification code (none in a preview)."""
    context = letter_context(application, kind, sources)
    context["preview"] = preview
    if code:
        context["verification"] = verification_context(reference=decision_reference(application, kind), code=code)
    return render_to_string(TEMPLATES[kind], context)


# PDF ------------------------------------------------------------------------


def _render_job(job: tuple[int, str, SigningKey]) -> tuple[int, bytes | None, str]:
    """One signed PDF in a pool worker; an error is returned, not raised, so one letter cannot stop the others."""
    index, html, key = job
    try:
        return index, sign_pdf(render_pdf(html), key=key), ""
    except (Exception, FatalURLFetchingError) as error:
        logger.exception("letter PDF rendering failed")
        return index, None, f"{type(error).__name__}: {error}"


def _renderer_started() -> None:
    """In each renderer: the default signal handlers, not the parent's.

    Forked from the task worker, a renderer would otherwise keep its graceful-shutdown
    handler, which only notes the signal: the pool's terminate() would then wait for ever on
    renderers that ignore its SIGTERM, and the worker with them.
    """
    for name in ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def render_pool(processes: int, letters: int):
    """A pool of `processes` PDF renderers, or no pool (None) when one process is enough.

    The pool is forked: its workers inherit the loaded code and never use the parent's
    database connections (they only ever receive HTML strings). Leaving the `with` block
    terminates them, whether the batch ended or failed.
    """
    if processes <= 1 or letters <= 1:
        return nullcontext(None)
    return multiprocessing.get_context("fork").Pool(min(processes, letters), initializer=_renderer_started)


def render_in_pool(pool, htmls: list[str], key: SigningKey) -> Iterator[tuple[int, bytes | None, str]]:
    """(index, pdf, error) for each HTML, in completion order. A pool starts rendering at once."""
    jobs = [(index, html, key) for index, html in enumerate(htmls)]
    if pool is None:
        return map(_render_job, jobs)
    return pool.imap_unordered(_render_job, jobs)


def default_processes() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# Storing and sending ------------------------------------------------------------


def store_letter(
    *,
    application: Application,
    kind: str,
    signatory: Signatory,
    pdf: bytes,
    code: str,
    by,
    only_if_missing: bool = False,
) -> DecisionLetter:
    """Store a new version of the letter and its issued document; the status is re-checked under a lock
    on the application. Earlier versions and their documents stay as they were.

    With only_if_missing (batches), a letter produced meanwhile raises LetterAlreadyProduced.
    """
    letter = DecisionLetter(
        application=application,
        kind=kind,
        sha256=hashlib.sha256(pdf).hexdigest(),
        signatory=signatory,
        generated_by=by,
    )
    try:
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            check_eligible(locked, kind)
            latest = DecisionLetter.objects.filter(application=application, kind=kind).aggregate(v=Max("version"))["v"]
            if latest and only_if_missing:
                raise LetterAlreadyProduced(_("produit entre-temps (version %(version)s)") % {"version": latest})
            letter.version = (latest or 0) + 1
            letter.document = issue_document(
                kind=DOCUMENT_KINDS[kind],
                reference=decision_reference(application, kind),
                version=letter.version,
                code=code,
                pdf=pdf,
                subject=_("Dossier %(reference)s — %(title)s")
                % {"reference": application.reference, "title": application.title},
                issuer=signatory.organisation.name,
                signed_by=f"{signatory.full_name}, {signatory.capacity}",
                amount=application.award.total if kind == LetterKind.AWARD else None,
                is_public=kind == LetterKind.AWARD,
            )
            letter.file.name = letter.document.file.name
            letter.save()
    except BaseException:
        if letter.file.name:
            letter.file.storage.delete(letter.file.name)
        raise
    return letter


def generate_letter(*, application: Application, kind: str, by) -> DecisionLetter:
    """Produce and store a new version of the application's award or refusal letter.

    Never changes a status. On any failure nothing is stored, the previous versions stay
    as they were, and a DomainError says why.
    """
    kind = LetterKind(kind)
    check_can_issue(by, application)
    application = letter_applications().get(pk=application.pk)
    check_eligible(application, kind)
    sources = LetterSources.for_call(application.call)
    code = new_verification_code()
    try:
        pdf = sign_pdf(render_pdf(render_letter_html(application, kind, sources, code=code)), key=sources.key)
    except (Exception, FatalURLFetchingError) as error:
        logger.exception("letter generation failed for %s", application.reference)
        raise LetterFailed(
            _("Le courrier du dossier %(reference)s n’a pas pu être produit (%(error)s) ; rien n’a été modifié.")
            % {"reference": application.reference, "error": error}
        ) from error
    return store_letter(application=application, kind=kind, signatory=sources.signatory, pdf=pdf, code=code, by=by)


def mark_letter_sent(*, letter: DecisionLetter, by) -> DecisionLetter:
    """Send the award letter: an e-mail to the applicant's contact with the PDF, written to the outbox in
    this transaction (none without an address: the letter is then posted), and the laureate becomes notified.

    Only the latest version of an award letter, once. A corrected version of a letter to an
    already notified laureate may be recorded as sent too; the status then stays as it is.
    """
    if letter.kind != LetterKind.AWARD:
        raise DomainError(_("Seule une lettre d’attribution se marque comme envoyée."))
    with transaction.atomic():
        letter = DecisionLetter.objects.select_for_update().select_related("application").get(pk=letter.pk)
        application = letter.application
        check_can_issue(by, application)
        if letter.sent_at is not None:
            raise DomainError(
                _("Cette lettre a déjà été marquée comme envoyée le %(date)s.")
                % {"date": french_date(timezone.localdate(letter.sent_at))}
            )
        latest = DecisionLetter.objects.filter(application=application, kind=letter.kind).aggregate(v=Max("version"))[
            "v"
        ]
        if letter.version != latest:
            raise DomainError(
                _("La version %(latest)s de cette lettre est plus récente : c’est elle qu’il faut envoyer.")
                % {"latest": latest}
            )
        if application.status != Status.NOTIFIED:
            application.notify(
                by=by, comment=_("Lettre d’attribution v%(version)s envoyée.") % {"version": letter.version}
            )
        letter.sent_at = timezone.now()
        letter.save(update_fields=["sent_at"])
        events.letter_sent(letter=letter, reference=decision_reference(application, letter.kind))
        record(
            actor=by, act=JournalAct.LETTER_SENT, obj=letter, data={"version": letter.version, "sha256": letter.sha256}
        )
    return letter


# Batches --------------------------------------------------------------------


def letters_to_send(*, call: Call, department_ids) -> QuerySet:
    """The award letters of the call's laureates still to be sent: the latest version of each, not sent."""
    latest = (
        DecisionLetter.objects.filter(application=OuterRef("application"), kind=LetterKind.AWARD)
        .order_by("-version")
        .values("pk")[:1]
    )
    return DecisionLetter.objects.filter(
        application__call=call,
        application__department_id__in=department_ids,
        application__status=Status.LAUREATE,
        kind=LetterKind.AWARD,
        sent_at__isnull=True,
        pk=Subquery(latest),
    ).select_related("application")


def mark_letters_sent(*, letters: Iterable[DecisionLetter], by) -> list[DecisionLetter]:
    """Mark several award letters as sent in one transaction: all of them, or none.

    Each goes through mark_letter_sent, the rule for one letter; the first refusal undoes the
    others and names its file.
    """
    letters = sorted(letters, key=lambda letter: letter.pk)
    if not letters:
        raise DomainError(_("Sélectionnez au moins une lettre à envoyer."))
    sent = []
    with transaction.atomic():
        for letter in letters:
            try:
                sent.append(mark_letter_sent(letter=letter, by=by))
            except DomainError as error:
                raise DomainError(
                    _("%(reference)s : %(reason)s Aucune lettre n’a été envoyée.")
                    % {"reference": letter.application.reference, "reason": error.message}
                ) from None
    return sent


@dataclass
class LetterOutcome:
    reference: str
    kind: str
    outcome: str  # generated, skipped or failed
    message: str = ""
    version: int | None = None
    file_name: str = ""

    def as_dict(self) -> dict:
        return {
            "reference": self.reference,
            "kind": self.kind,
            "outcome": self.outcome,
            "message": self.message,
            "version": self.version,
            "file_name": self.file_name,
        }


@dataclass
class BatchSummary:
    total: int = 0
    outcomes: list[LetterOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.outcomes if item.outcome == outcome)

    @property
    def generated(self) -> int:
        return self.count("generated")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def failed(self) -> int:
        return self.count("failed")


def batch_kinds(kind: str) -> list[str]:
    if kind == ALL_KINDS:
        return [LetterKind.AWARD, LetterKind.REFUSAL]
    return [LetterKind(kind)]


def batch_candidates(*, call: Call, by, department: Department | None, kind: str) -> list[tuple[Application, str]]:
    """(application, kind) for every letter the batch covers, in reference order, within the user's scope."""
    department_ids = get_scope(by).department_ids(Action.ISSUE_LETTERS)
    candidates = []
    for letter_kind in batch_kinds(kind):
        applications = letter_applications().filter(
            call=call, status__in=ELIGIBLE_STATUSES[letter_kind], department_id__in=department_ids
        )
        if department is not None:
            applications = applications.filter(department=department)
        applications = applications.annotate(
            latest_version=Max("letters__version", filter=Q(letters__kind=letter_kind))
        )
        candidates += [(application, letter_kind) for application in applications]
    return sorted(candidates, key=lambda pair: (pair[0].reference, pair[1]))


def archive_name(application: Application, kind: str, version: int) -> str:
    return f"{application.department.padded_code}/{application.reference}-{FILE_LABELS[kind]}-v{version}.pdf"


def generate_missing_letters(
    *,
    call: Call,
    by,
    department: Department | None = None,
    kind: str = ALL_KINDS,
    archive=None,
    processes: int | None = None,
    on_progress: Callable[[BatchSummary], None] | None = None,
    chunk_size: int = 48,
    archive_since: datetime.datetime | None = None,
) -> BatchSummary:
    """Generate every letter the call (or one department) still lacks, and write them to a ZIP.

    A letter is missing when the application is eligible for that kind and has no version
    of it yet; the others are reported as skipped. Each letter succeeds or fails on its
    own: a failure is reported with its reason and leaves that application untouched.
    `archive` is a binary file object the ZIP is written to. With `archive_since` (a batch
    relaunched after an interrupted one), the letters `by` produced since then are archived
    too, so that the ZIP holds every letter of the batch.
    """
    allowed = get_scope(by).department_ids(Action.ISSUE_LETTERS)
    if not Department.objects.filter(region_id=call.region_id, pk__in=allowed).exists():
        raise PermissionRefused(_("Vous n’avez pas le droit d’éditer les courriers de cet appel à projets."))
    if department is not None and department.pk not in allowed:
        raise PermissionRefused(
            _("Vous n’avez pas le droit d’éditer les courriers du département %(department)s.")
            % {"department": department}
        )
    candidates = batch_candidates(call=call, by=by, department=department, kind=kind)
    summary = BatchSummary(total=len(candidates))
    missing = []
    earlier = _earlier_letters(candidates, by, archive_since) if archive_since and archive else {}
    for application, letter_kind in candidates:
        if (application.pk, letter_kind, application.latest_version) in earlier:
            continue
        if application.latest_version:
            summary.outcomes.append(
                LetterOutcome(
                    application.reference,
                    letter_kind,
                    "skipped",
                    _("déjà produit (version %(version)s)") % {"version": application.latest_version},
                    application.latest_version,
                )
            )
        else:
            missing.append((application, letter_kind))
    sources = LetterSources.for_call(call) if missing else None
    # PDFs are already compressed: storing them as they are keeps the archive quick to write.
    with (
        zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) if archive else nullcontext() as zipped,
        render_pool(processes or default_processes(), len(missing)) as pool,
    ):
        for (_pk, letter_kind, version), (application, letter) in earlier.items():
            name = archive_name(application, letter_kind, version)
            with letter.file.open("rb") as stored:
                zipped.writestr(name, stored.read())
            summary.outcomes.append(
                LetterOutcome(
                    application.reference,
                    letter_kind,
                    "generated",
                    _("produit avant l’interruption du lot"),
                    version,
                    name,
                )
            )
        if on_progress:
            on_progress(summary)
        for outcome in _generate(missing, sources, by, pool, zipped, chunk_size):
            summary.outcomes.append(outcome)
            if on_progress:
                on_progress(summary)
    return summary


def _earlier_letters(candidates, by, since) -> dict[tuple, tuple[Application, DecisionLetter]]:
    """(application pk, kind, version) → (application, letter) for the candidates' latest letters
    that `by` produced since `since`: those of an interrupted run of the same batch."""
    latest = {(application.pk, kind, application.latest_version): application for application, kind in candidates}
    letters = DecisionLetter.objects.filter(
        application_id__in=[application.pk for application, _kind in candidates if application.latest_version],
        generated_by=by,
        generated_at__gte=since,
    )
    return {
        (letter.application_id, letter.kind, letter.version): (latest[key], letter)
        for letter in letters
        if (key := (letter.application_id, letter.kind, letter.version)) in latest
    }


def _generate(missing, sources: LetterSources, by, pool, zipped, chunk_size: int) -> Iterator[LetterOutcome]:
    """The letters chunk by chunk: while the pool renders one chunk, the next one's HTML is
    prepared and the finished PDFs are stored, so the workers never wait. Chunks bound the
    HTML held in memory."""
    pending = None
    for start in range(0, len(missing), chunk_size):
        jobs, htmls = [], []
        for application, kind in missing[start : start + chunk_size]:
            try:
                code = new_verification_code()
                htmls.append(render_letter_html(application, kind, sources, code=code))
                jobs.append((application, kind, code))
            except Exception as error:
                logger.exception("letter HTML failed for %s", application.reference)
                yield LetterOutcome(application.reference, kind, "failed", f"{type(error).__name__}: {error}")
        submitted = (jobs, render_in_pool(pool, htmls, sources.key))
        if pending:
            yield from _store_rendered(*pending, sources, by, zipped)
        pending = submitted
    if pending:
        yield from _store_rendered(*pending, sources, by, zipped)


def fault_message(error: Exception) -> str:
    """What a batch reports when the machine, not the letter, failed: a full disk, a lost database."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("Espace disque insuffisant : le fichier n’a pas été enregistré.")
    if isinstance(error, DatabaseError):
        # The connection is closed if it is dead, so the next letter (or report) opens a new one.
        close_old_connections()
        return _("Connexion à la base de données perdue : l’enregistrement n’a pas abouti.")
    return f"{type(error).__name__}: {error}"


def _store_rendered(jobs, results, sources: LetterSources, by, zipped) -> Iterator[LetterOutcome]:
    for index, pdf, error in results:
        application, kind, code = jobs[index]
        if pdf is None:
            yield LetterOutcome(application.reference, kind, "failed", error)
            continue
        try:
            letter = store_letter(
                application=application,
                kind=kind,
                signatory=sources.signatory,
                pdf=pdf,
                code=code,
                by=by,
                only_if_missing=True,
            )
        except LetterAlreadyProduced as already:
            yield LetterOutcome(application.reference, kind, "skipped", str(already.message))
            continue
        except DomainError as failure:
            yield LetterOutcome(application.reference, kind, "failed", str(failure.message))
            continue
        except (OSError, DatabaseError) as fault:
            logger.exception("letter %s of %s not stored", kind, application.reference)
            yield LetterOutcome(application.reference, kind, "failed", fault_message(fault))
            continue
        name = archive_name(application, kind, letter.version)
        if zipped is not None:
            zipped.writestr(name, pdf)
        yield LetterOutcome(application.reference, kind, "generated", "", letter.version, name)
