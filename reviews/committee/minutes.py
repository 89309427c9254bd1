"""The minutes (procès-verbal) of a CDSF meeting: a PDF made from an HTML template, as the letters are."""

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from fipe.pdf import render_pdf
from reviews.committee.agenda import agenda_rows, decision_order
from reviews.models import CommitteeMeeting


def render_minutes(*, meeting: CommitteeMeeting, postponed) -> bytes:
    """The PDF of the minutes: members and their conflicts, the ranked decisions, the postponed files.

    Called by close_meeting inside its transaction, once the files have moved.
    """
    rows = decision_order(agenda_rows(meeting))
    years = meeting.call.programme_years
    for row in rows:
        amounts = {amount.year: amount.amount for amount in row.proposal.amounts.all()}
        row.proposed_by_year = [amounts.get(year) for year in years]
    members = list(meeting.members.prefetch_related("declared_conflicts"))
    html = render_to_string(
        "reviews/committee/minutes.html",
        {
            "meeting": meeting,
            "members": members,
            "rows": rows,
            "years": years,
            "postponed": postponed,
            "any_conflict": any(row.instructor_conflicts for row in rows)
            or any(member.declared_conflicts.all() for member in members),
            "proposed_total": sum((row.proposal.proposed_total for row in rows if row.is_proposed), Decimal("0")),
            "closed_at": timezone.localtime(meeting.closed_at),
        },
    )
    return render_pdf(html)
