"""Demo step of the follow-up: the 2023 laureates carried through 2024.

The call pays half of each year in advance, the balance once the year's report is accepted.
The notified laureates signed their convention in January 2024 (their 2023 advances were paid
in February, by the awards step); some 2023 reports are accepted and their balance paid, one
waits for review, one was sent back for corrections, the others are late; one accepted report
showed subsidy not used, and a recovery was recorded. The laureates not yet notified have their
convention sent, waiting for signature. Run twice, the step changes nothing.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from projects.awards.services import record_payment
from projects.demo.applications import demo_application
from projects.demo.data import CALL, DEMO_APPLICATIONS
from projects.enums import AWARDED_STATUSES, Funder, Status
from projects.followup.conventions import (
    countersign_convention,
    generate_convention,
    mark_convention_sent,
    receive_signed_copy,
)
from projects.followup.models import Convention, FollowupTerms, Recovery, YearlyReport
from projects.followup.schedule import line_state
from projects.followup.services import file_report, record_recovery, review_report
from projects.models import Call, FundingLine

SENT, RETURNED, COUNTERSIGNED = (datetime.datetime(2024, 1, day, 10, tzinfo=datetime.UTC) for day in (8, 22, 29))
REVIEWED = datetime.datetime(2024, 9, 2, 9, tzinfo=datetime.UTC)
BALANCE_PAID_ON = datetime.date(2024, 9, 16)
# The 2023 report of each notified laureate, by the number of its demo entry: its fate and the subsidy used.
REPORTS = {
    1: ("accepted", "1.00"),
    3: ("accepted", "0.93"),
    7: ("accepted", "1.00"),
    2: ("filed", "1.00"),
    4: ("corrections", "0.98"),
}
RECOVERY = (3, Funder.STATE, Decimal("3000.00"))
INDICATORS = {1: (24, 19, 10, 4), 3: (36, 30, 24, 6), 7: (0, 45, 0, 32), 2: (0, 28, 120, 2), 4: (60, 52, 0, 8)}


def instructor(department: str, fallback):
    return get_user_model().objects.filter(username=f"caf-{department}").first() or fallback


def _sign(award, admin) -> None:
    """Generate, send, receive signed and countersign the convention, dated January 2024."""
    convention = Convention.objects.filter(award=award).first()
    if convention is None:
        version = generate_convention(award=award, by=admin)
        convention = mark_convention_sent(convention=version.convention, by=admin)
        with version.file.open("rb") as pdf:
            copy = SimpleUploadedFile("convention-signee.pdf", pdf.read(), content_type="application/pdf")
        receive_signed_copy(convention=convention, by=admin, uploaded=copy)
        countersign_convention(convention=convention, by=admin)
        Convention.objects.filter(pk=convention.pk).update(
            sent_at=SENT, signed_received_at=RETURNED, countersigned_at=COUNTERSIGNED
        )


def _report(number: int, application, award, by) -> None:
    if YearlyReport.objects.filter(award=award, year=2023).exists():
        return
    fate, used_share = REPORTS[number]
    amount_2023 = sum(line.amount for line in award.lines.all() if line.year == 2023)
    used = (amount_2023 * Decimal(used_share)).quantize(Decimal("1"))
    children, families, places, trained = INDICATORS[number]
    budget = str(amount_2023 * 2)
    version = file_report(
        award=award,
        year=2023,
        by=by,
        financial={
            "expenses": {"64": {"planned": budget, "actual": str(used * 2)}},
            "income": {"74-fipe": {"planned": str(amount_2023), "actual": str(used)}},
        },
        subsidy_used=used,
        gaps_explanation="" if used == amount_2023 else "Ouverture décalée de deux mois faute de personnel.",
        indicators={"children": children, "families": families, "places": places, "professionals": trained},
        comment="Compte rendu déposé par la Caf pour le porteur, reçu par courrier.",
    )
    if fate != "filed":
        review_report(
            report=version.report,
            by=by,
            accept=fate == "accepted",
            message="" if fate == "accepted" else "Joignez le détail des charges de personnel (compte 64).",
        )
        version.__class__.objects.filter(pk=version.pk).update(decided_at=REVIEWED)


def _balance_and_recovery(number: int, application, award, admin, by) -> None:
    if number == RECOVERY[0] and not Recovery.objects.filter(line__award=award).exists():
        line = FundingLine.objects.get(award=award, funder=RECOVERY[1], year=2023)
        record_recovery(
            line=line,
            by=by,
            amount=RECOVERY[2],
            reason="Compte rendu 2023 : 7 % de la subvention de l’année non utilisés (ouverture décalée).",
            report=YearlyReport.objects.get(award=award, year=2023),
        )
    for line in FundingLine.objects.filter(award=award, year=2023):
        items, _recovered = line_state(line)
        payable = sum((item.due for item in items if item.met and item.due > 0), Decimal("0"))
        if payable > 0:
            record_payment(
                line=line, by=admin, paid_on=BALANCE_PAID_ON, amount=payable, reference=f"SOLDE-2023-{number:03d}"
            )


def load_followup(stdout) -> None:
    call = Call.objects.filter(reference=CALL["reference"]).first()
    if call is None:
        return
    FollowupTerms.objects.get_or_create(call=call)
    admin = get_user_model().objects.get(username="admin")
    signed = reports = 0
    for number, entry in enumerate(DEMO_APPLICATIONS, start=1):
        application = demo_application(entry)
        award = getattr(application, "award", None) if application.status in AWARDED_STATUSES else None
        if award is None:
            continue
        if application.status == Status.LAUREATE:
            if award.requires_convention and not Convention.objects.filter(award=award).exists():
                generate_convention(award=award, by=admin)
                Convention.objects.filter(award=award).update(sent_at=timezone.now())
            continue
        if award.requires_convention:
            _sign(award, admin)
            signed += 1
        if number in REPORTS:
            by = instructor(entry["department"], admin)
            _report(number, application, award, by)
            _balance_and_recovery(number, application, award, admin, by)
            reports += 1
    stdout.write(f"Suivi : {signed} conventions signées, {reports} comptes rendus 2023 déposés.")
