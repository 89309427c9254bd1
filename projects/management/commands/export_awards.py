from django.core.management.base import BaseCommand

from projects.exchange.exports import awards_of
from projects.exchange.resources import awards_file
from projects.exchange.spreadsheets import FORMATS
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
        write_output(output, awards_file(awards, fmt))
        self.stdout.write(self.style.SUCCESS(f"{awards.count()} décision(s) exportée(s) dans {output}."))
