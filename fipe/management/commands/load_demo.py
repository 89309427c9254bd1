from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fipe.demo import demo_steps


class Command(BaseCommand):
    help = "Charge les comptes et les données de démonstration (idempotent : deux exécutions donnent le même état)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Autorise la création des comptes de démonstration alors que DEBUG est désactivé.",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusé : DEBUG est désactivé et load_demo crée des comptes au mot de passe connu. "
                "Utilisez --force si c’est bien voulu."
            )
        with transaction.atomic():
            for step in demo_steps():
                step(self.stdout)
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
