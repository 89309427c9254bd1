from django.core.management.base import BaseCommand

from projects.notifications.services import deliver_due_messages, send_digests


class Command(BaseCommand):
    help = (
        "Regroupe, pour chaque utilisateur qui a choisi le « résumé quotidien », les notifications en attente "
        "en un seul courriel, remis au worker (db_worker) pour l’envoi. À lancer une fois par jour (cron, timer "
        "systemd)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--send-now",
            action="store_true",
            help="Envoyer aussi tout de suite ce qui attend dans la boîte d’envoi, sans attendre le worker.",
        )

    def handle(self, *args, send_now, **options):
        count = send_digests()
        self.stdout.write(self.style.SUCCESS(f"{count} résumé(s) quotidien(s) préparé(s)."))
        if send_now:
            report = deliver_due_messages()
            self.stdout.write(f"{report.sent} courriel(s) envoyé(s), {report.failed} en échec.")
