from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

# Each step is idempotent and builds on the previous ones; later capabilities append theirs.
DEMO_STEPS = [
    "departments.demo.load_accounts",
    # issue 3: the call and its applications, created and submitted
    "projects.demo.load_call_and_applications",
    "projects.demo.load_attachments",
    # issue 4: reviews and CDSF meetings
    "reviews.demo.load_reviews_and_committees",
    #
    # issue 5: approvals, commitment numbers, payments
    "projects.demo_awards.load_awards",
    #
    # issue 6: letters generated, laureates notified
    "projects.demo_letters.load_letters",
    #
    # issue 7: signatories' SIRETs, published results
    "projects.demo_results.load_results",
    #
]


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
            for step in DEMO_STEPS:
                import_string(step)(self.stdout)
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
