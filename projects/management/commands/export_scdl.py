from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from projects.exchange.opendata import FUNDER_CHOICES, FunderIdentityMissing, laureate_awards, write_scdl
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.management.commands._calls import get_call, write_output


class Command(BaseCommand):
    help = (
        "Écrit les subventions attribuées d’un appel à projets au format de données ouvertes SCDL « Subventions » "
        "2.1.1 (CSV, UTF-8, virgule) : une ligne par lauréat et par financeur. Le SIRET de chaque financeur "
        "(préfecture de région, Cnaf) doit être renseigné dans les organisations."
    )

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True, help="Référence de l’appel à projets, par exemple FIPE-OCC-2023.")
        parser.add_argument(
            "--funder",
            choices=list(FUNDER_CHOICES),
            default="both",
            help="Financeurs : state (l’État), cnaf ou both (les deux, défaut).",
        )
        parser.add_argument("--output", required=True, metavar="FICHIER", help="Fichier CSV à écrire.")

    def handle(self, *args, call, funder, output, **options):
        target = get_call(call)
        try:
            content = write_scdl(target, funder)
        except FunderIdentityMissing as error:
            raise CommandError(error.message) from None
        record(actor=None, act=JournalAct.EXPORT, obj=target, data={"what": "scdl", "output": output})
        write_output(output, content)
        count = laureate_awards(target).count()
        written = ngettext(
            "%(count)d subvention écrite au format SCDL dans %(output)s.",
            "%(count)d subventions écrites au format SCDL dans %(output)s.",
            count,
        )
        self.stdout.write(self.style.SUCCESS(written % {"count": count, "output": output}))
