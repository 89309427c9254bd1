import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from projects.applicants.exchanges import REMINDER_DAYS_BEFORE, send_information_reminders


class Command(BaseCommand):
    help = (
        f"Rappelle aux porteurs de projet les demandes de compléments dont l’échéance tombe dans "
        f"{REMINDER_DAYS_BEFORE} jours ou moins (une fois par demande). À lancer chaque jour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Jour de référence AAAA-MM-JJ (aujourd’hui par défaut).")

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"Date invalide : « {date} » (format attendu AAAA-MM-JJ).") from None
        sent = send_information_reminders(today=today)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext("%(count)d rappel envoyé.", "%(count)d rappels envoyés.", sent) % {"count": sent}
            )
        )
