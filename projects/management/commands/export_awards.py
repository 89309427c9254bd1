from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from projects.exchange.exports import awards_of
from projects.exchange.resources import awards_file
from projects.exchange.spreadsheets import FORMATS
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.management.commands._calls import get_call, write_output


class Command(BaseCommand):
    help = (
        "Exporte les décisions d’attribution d’un appel à projets (une ligne par subvention : montants par année "
        "et par financeur, engagements, versements, version et empreinte du courrier) en CSV, XLSX ou ODS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--call", required=True, help="Référence de l’appel à projets, par exemple FIPE-OCC-2023.")
        parser.add_argument(
            "--format", dest="fmt", choices=list(FORMATS), default="csv", help="Format du fichier (défaut : csv)."
        )
        parser.add_argument("--output", required=True, metavar="FICHIER", help="Fichier à écrire.")

    def handle(self, *args, call, fmt, output, **options):
        target = get_call(call)
        awards = awards_of(call=target)
        record(actor=None, act=JournalAct.EXPORT, obj=target, data={"what": "decisions", "output": output})
        write_output(output, awards_file(awards, fmt))
        count = awards.count()
        exported = ngettext(
            "%(count)d décision exportée dans %(output)s.", "%(count)d décisions exportées dans %(output)s.", count
        )
        self.stdout.write(self.style.SUCCESS(exported % {"count": count, "output": output}))
