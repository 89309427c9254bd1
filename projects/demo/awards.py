"""Demo step of the awards capability: the regional prefecture approves and rejects, then follows the payments.

Runs after the reviews step, which leaves the laureates-to-be at `proposed` (with a committee
proposal) and the refusals at `not_proposed`. Applications not yet at those statuses are left
alone, so the step is right whichever steps ran before it; run twice, it changes nothing.
"""

import datetime

from django.contrib.auth import get_user_model

from projects.awards.services import approve_laureate, record_payment, reject_application, set_commitment_number
from projects.demo.applications import demo_application
from projects.demo.data import DEMO_APPLICATIONS
from projects.enums import AWARDED_STATUSES, Funder, Status
from projects.models import FundingLine
from projects.money import to_cents

REJECTION_REASON = (
    "Le comité régional n’a pas retenu le projet : le plan de financement n’est pas bouclé et le besoin "
    "du territoire est déjà couvert par une offre existante."
)
# The advances of the first year of the notified laureates were paid early in 2024: half of each line,
# as the call's terms say (the balance waits for the year's report; see the follow-up step).
FIRST_YEAR_PAYMENTS = {Funder.STATE: datetime.date(2024, 2, 15), Funder.CNAF: datetime.date(2024, 3, 20)}


def commitment_number(line: FundingLine, number: int, department: str) -> str:
    """Illustrative numbers: a ten-digit Chorus legal commitment for the State, a Caf reference for the Cnaf."""
    if line.funder == Funder.STATE:
        return f"21034{number:03d}{line.year % 100:02d}"
    return f"CAF-{department}-{line.year}-{number:04d}"


def payment_reference(line: FundingLine, number: int, department: str) -> str:
    """Illustrative: a Chorus payment request for the State, the Caf's transfer for the Cnaf."""
    if line.funder == Funder.STATE:
        return f"DP-{line.year}-{number:05d}"
    return f"VIR-CAF-{department}-{line.year}-{number:03d}"


def load_awards(stdout) -> None:
    approver = get_user_model().objects.get(username="prefecture-76")
    approved = rejected = payments = 0
    for number, entry in enumerate(DEMO_APPLICATIONS, start=1):
        application = demo_application(entry)
        if entry["target"] in AWARDED_STATUSES and application.status == Status.PROPOSED:
            approve_laureate(application=application, by=approver, amounts_by_year=entry["awarded"])
            approved += 1
        elif entry["target"] == Status.REJECTED and application.status in (Status.PROPOSED, Status.NOT_PROPOSED):
            reject_application(application=application, by=approver, reason=REJECTION_REASON)
            rejected += 1
        # Commitment numbers on the awards to be notified and on every other laureate; first-year payments
        # on the notified ones only, as the funders pay once the award letter is sent.
        if entry["target"] not in AWARDED_STATUSES or (entry["target"] == Status.LAUREATE and number % 2):
            continue
        lines = FundingLine.objects.filter(award__application=application).with_paid()
        for line in lines:
            if not line.commitment_number:
                set_commitment_number(
                    line=line, by=approver, number=commitment_number(line, number, entry["department"])
                )
            if entry["target"] == Status.NOTIFIED and line.year == 2023 and not line.paid:
                amount = to_cents(line.amount / 2)
                record_payment(
                    line=line,
                    by=approver,
                    paid_on=FIRST_YEAR_PAYMENTS[line.funder],
                    amount=amount,
                    reference=payment_reference(line, number, entry["department"]),
                )
                payments += 1
    stdout.write(f"Validation : {approved} lauréats retenus, {rejected} dossiers rejetés, {payments} versements.")
