"""Batches of letters: every letter a call (or one of its departments) still lacks, rendered by a
pool of processes (projects.letters.rendering.render_pool), each stored or failed on its own, and
written to one ZIP; a batch relaunched after an interrupted one archives that one's letters too.

projects.letters.tasks runs a batch in the task worker; `manage.py generate_letters` runs one at once.
"""

import datetime
import errno
import logging
import zipfile
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import DatabaseError, close_old_connections
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.enums import LetterKind
from projects.exceptions import DomainError, PermissionRefused
from projects.letters.documents import new_verification_code
from projects.letters.models import ELIGIBLE_STATUSES
from projects.letters.pipeline import (
    FILE_LABELS,
    LetterAlreadyProduced,
    LetterSources,
    letter_applications,
    render_letter_html,
    store_letter,
)
from projects.letters.rendering import default_processes, render_in_pool, render_pool
from projects.models import Application, Call, DecisionLetter

logger = logging.getLogger(__name__)

ALL_KINDS = "all"


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
