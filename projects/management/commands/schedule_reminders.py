from django.core.management.base import BaseCommand

from projects.followup.tasks import schedule_daily_reminders


class Command(BaseCommand):
    help = (
        "Confie au service de tâches (db_worker) l’envoi quotidien des relances de comptes rendus : une exécution "
        "maintenant, puis chaque matin. Sans effet si une exécution attend déjà : à lancer à chaque démarrage."
    )

    def handle(self, *args, **options):
        if schedule_daily_reminders():
            self.stdout.write(self.style.SUCCESS("Relances quotidiennes confiées au service de tâches."))
        else:
            self.stdout.write("Relances quotidiennes déjà programmées : rien à faire.")
