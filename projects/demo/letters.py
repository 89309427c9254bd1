"""Demo step of the letters capability: the regional signatory, then the award letters of the
laureates whose target is `notified`, generated and sent through the real services, the refusal
letter of one rejected file, sent too, and one batch whose worker stopped half-way, which its page
shows as interrupted, to relaunch."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from departments.models import Department
from projects.demo.applications import demo_call
from projects.demo.data import CALL, DEMO_APPLICATIONS
from projects.demo.signing import regional_signatory
from projects.enums import BatchStatus, LetterKind, Status
from projects.letters.pipeline import generate_letter, mark_letter_sent
from projects.models import BATCH_STALE_AFTER, Application, DecisionLetter, LetterBatch

# Its applicant (contact32@porteur.example) reads « Non retenu » in their space; the other rejected
# file's refusal letter is left to produce and send from the pages.
REFUSAL_SENT_TITLE = "Crèche portuaire en horaires décalés"


def load_letters(stdout) -> None:
    call = demo_call()
    regional_signatory(call.region_id)
    # The regional prefecture's approver issues the letters, as in real life.
    issuer = get_user_model().objects.get(username="prefecture-76")
    titles = [entry["title"] for entry in DEMO_APPLICATIONS if entry["target"] == Status.NOTIFIED]
    notified = waiting = 0
    for application in Application.objects.filter(call__reference=CALL["reference"], title__in=titles):
        if application.status != Status.LAUREATE:
            # Already notified by an earlier run, or not yet approved (that is the awards step's job).
            waiting += application.status != Status.NOTIFIED
            continue
        letter = (
            DecisionLetter.objects.filter(application=application, kind=LetterKind.AWARD).order_by("-version").first()
        )
        if letter is None:
            letter = generate_letter(application=application, kind=LetterKind.AWARD, by=issuer)
        mark_letter_sent(letter=letter, by=issuer)
        notified += 1
    stdout.write(
        f"Courriers : {notified} lauréats notifiés avec leur lettre d’attribution"
        + (f", {waiting} pas encore lauréats." if waiting else ".")
    )
    if send_refusal(issuer=issuer):
        stdout.write(f"Courriers : lettre de refus envoyée pour « {REFUSAL_SENT_TITLE} ».")

    load_interrupted_batch(call=call, issuer=issuer, stdout=stdout)


def send_refusal(*, issuer) -> bool:
    """Produce and send the refusal letter of REFUSAL_SENT_TITLE once its file is rejected, unless sent already."""
    application = Application.objects.filter(
        call__reference=CALL["reference"], title=REFUSAL_SENT_TITLE, status=Status.REJECTED
    ).first()
    if application is None or application.letters.filter(kind=LetterKind.REFUSAL, sent_at__isnull=False).exists():
        return False
    letter = application.letters.filter(kind=LetterKind.REFUSAL).order_by("-version").first()
    if letter is None:
        letter = generate_letter(application=application, kind=LetterKind.REFUSAL, by=issuer)
    mark_letter_sent(letter=letter, by=issuer)
    return True


def load_interrupted_batch(*, call, issuer, stdout) -> None:
    """A batch of the Haute-Garonne left « en cours » by a worker that stopped after its first letter.

    Its figures are those of its letters: it was to produce the award letter of every laureate
    still without one, and produced the first (really generated, so the batch page and the call's
    letters agree).
    """
    haute_garonne = Department.objects.get(code="31")
    if LetterBatch.objects.filter(call=call, department=haute_garonne, requested_by=issuer).exists():
        return
    missing = list(
        Application.objects.filter(call=call, department=haute_garonne, status=Status.LAUREATE)
        .exclude(letters__kind=LetterKind.AWARD)
        .order_by("reference")
    )
    if not missing:
        return
    letter = generate_letter(application=missing[0], kind=LetterKind.AWARD, by=issuer)
    batch = LetterBatch.objects.create(
        call=call,
        department=haute_garonne,
        kind=LetterKind.AWARD,
        status=BatchStatus.RUNNING,
        total=len(missing),
        done=1,
        report=[
            {
                "outcome": "generated",
                "reference": missing[0].reference,
                "kind": LetterKind.AWARD,
                "file_name": letter.file.name.rsplit("/", 1)[-1],
            }
        ],
        requested_by=issuer,
    )
    # updated_at is auto_now on save(): set the last heartbeat in the past with update().
    LetterBatch.objects.filter(pk=batch.pk).update(updated_at=timezone.now() - BATCH_STALE_AFTER - timedelta(minutes=5))
    stdout.write(f"Courriers : un lot de la Haute-Garonne interrompu après une lettre sur {len(missing)}, à relancer.")
