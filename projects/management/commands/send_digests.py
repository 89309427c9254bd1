from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import ngettext

from projects.notifications.delivery import deliver_due_messages
from projects.notifications.models import Message
from projects.notifications.services import send_digests
from projects.notifications.tasks import enqueue_delivery


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
        prepared = ngettext("%(count)d résumé quotidien préparé.", "%(count)d résumés quotidiens préparés.", count)
        self.stdout.write(self.style.SUCCESS(prepared % {"count": count}))
        if send_now:
            report = deliver_due_messages()
            sent = ngettext("%(count)d courriel envoyé", "%(count)d courriels envoyés", report.sent)
            self.stdout.write(f"{sent % {'count': report.sent}}, {report.failed} en échec.")
        elif Message.objects.due(timezone.now()).exists():
            # Once a day the worker is asked for whatever still waits, should a delivery never have been
            # enqueued (the task queue was down when its change committed).
            enqueue_delivery()
