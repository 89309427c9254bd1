import datetime
import smtplib

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from projects.followup.reminders import send_reminders


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"« {value} » n’est pas une date AAAA-MM-JJ.") from None


class Command(BaseCommand):
    help = (
        "Relance chaque jour les lauréats dont le compte rendu annuel est dû sous 30 jours, dû aujourd’hui ou en "
        "retard, et les instructeurs Caf et DDETS de leur département ; une seule fois par compte rendu et par étape."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", metavar="AAAA-MM-JJ", help="Le jour considéré (aujourd’hui par défaut ; pour les essais)."
        )

    def handle(self, *args, date=None, **options):
        today = iso_date(date) if date else timezone.localdate()
        try:
            summary = send_reminders(today=today)
        except (OSError, smtplib.SMTPException) as error:
            raise CommandError(f"Envoi des relances impossible : {error}.") from None
        sent = {id(item) for item in summary.sent}
        for item in summary.due:
            self.stdout.write(
                f"{item.award.application.reference} — compte rendu {item.year} — {item.kind} "
                f"(attendu le {item.due_on:%d/%m/%Y}) — {'relancé' if id(item) in sent else 'déjà relancé'}"
            )
        soon, due = summary.count("soon"), summary.count("today")
        soon_text = ngettext(
            "%(count)d compte rendu dû sous 30 jours", "%(count)d comptes rendus dus sous 30 jours", soon
        ) % {"count": soon}
        due_text = ngettext("%(count)d dû aujourd’hui", "%(count)d dus aujourd’hui", due) % {"count": due}
        self.stdout.write(
            self.style.SUCCESS(
                f"{today:%d/%m/%Y} : {soon_text}, {due_text}, {summary.count('late')} en retard ; "
                f"relances envoyées : {len(summary.sent)}."
            )
        )
