import io
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from projects.exchange.imports import write_applications, write_template
from projects.exchange.reading import UnreadableFile, file_format
from projects.exchange.resources import import_applications
from projects.management.commands._calls import get_call, write_output
from projects.models import Call


class Command(BaseCommand):
    help = (
        "Importe des dossiers depuis un fichier CSV (UTF-8, « ; » ou « , »), XLSX ou ODS : tout ou rien, "
        "avec un rapport qui nomme chaque ligne et colonne en erreur. Les porteurs sont reconnus par leur SIRET, "
        "les dossiers par le SIRET et l’intitulé ; les nouveaux dossiers sont enregistrés comme déposés. "
        "--template FICHIER écrit le modèle (en-têtes et une ligne d’exemple) ; "
        "--export FICHIER écrit les dossiers de l’appel dans ce même format."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="Fichier à importer (.csv, .xlsx ou .ods).")
        parser.add_argument("--call", help="Référence de l’appel à projets, par exemple FIPE-OCC-2023.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Vérifie le fichier et affiche l’aperçu sans rien enregistrer."
        )
        parser.add_argument(
            "--user",
            help="Identifiant de l’utilisateur à qui l’historique attribue l’import "
            "(par défaut : le premier super-utilisateur).",
        )
        parser.add_argument(
            "--template",
            metavar="FICHIER",
            help="Écrit le modèle de fichier (.csv, .xlsx ou .ods) de l’appel indiqué par --call "
            "(par défaut : le plus récent).",
        )
        parser.add_argument(
            "--export", metavar="FICHIER", help="Écrit les dossiers de l’appel --call au format du fichier d’import."
        )

    def handle(self, *args, file=None, call=None, dry_run=False, user=None, template=None, export=None, **options):
        if template:
            return self.write(template, lambda fmt, target: write_template(target, fmt), call or self.latest_call())
        if export:
            return self.write(export, lambda fmt, target: write_applications(target, fmt), call)
        if not file:
            raise CommandError("Indiquez le fichier à importer, ou --template FICHIER pour obtenir le modèle.")
        target = get_call(call)
        by = self.get_user(user)
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Impossible de lire « {file} » : {error.strerror}.") from None
        report = import_applications(call=target, by=by, file=io.BytesIO(content), filename=path.name, dry_run=dry_run)
        for problem in report.problems:
            self.stderr.write(str(problem))
        if not report.ok:
            raise CommandError(report.summary())
        if dry_run or options["verbosity"] >= 2:
            for row in report.planned:
                self.stdout.write(
                    f"Ligne {row.line} : {row.action_label} — {row.reference or '(nouvelle référence)'} — "
                    f"{row.department} — {row.title} — porteur {row.applicant} ({row.applicant_label})"
                )
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def write(self, path: str, make, call_reference):
        try:
            fmt = file_format(path)
        except UnreadableFile as error:
            raise CommandError(error.message) from None
        call = get_call(call_reference)
        write_output(path, make(fmt, call))
        self.stdout.write(self.style.SUCCESS(f"Fichier écrit : {path} (appel {call.reference})."))

    def latest_call(self) -> str:
        call = Call.objects.order_by("-opens_on").first()
        if call is None:
            raise CommandError("Aucun appel à projets n’existe encore : créez-en un d’abord.")
        return call.reference

    def get_user(self, username):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"Utilisateur inconnu ou inactif : « {username} ».")
            return user
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("Aucun super-utilisateur : indiquez --user IDENTIFIANT.")
        return user
