from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from projects.journal.services import find_break


class Command(BaseCommand):
    help = (
        "Recalcule la chaîne d’empreintes du journal des actes, de la première entrée à la dernière. "
        "Sort avec le statut 1 en nommant la première entrée modifiée, supprimée ou déplacée."
    )

    def handle(self, *args, **options):
        count, broken = find_break()
        if broken is not None:
            raise CommandError(f"Journal altéré : {broken}.")
        intact = ngettext(
            "Journal intact : %(count)d entrée, chaîne d’empreintes vérifiée.",
            "Journal intact : %(count)d entrées, chaîne d’empreintes vérifiée.",
            count,
        )
        self.stdout.write(self.style.SUCCESS(intact % {"count": count}))
