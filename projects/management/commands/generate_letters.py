import os
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from departments.models import Department
from projects.enums import LetterKind
from projects.exceptions import DomainError
from projects.letters.batches import ALL_KINDS, BatchSummary, generate_missing_letters
from projects.models import Call

KIND_LABELS = {LetterKind.AWARD: "lettre d’attribution", LetterKind.REFUSAL: "lettre de refus"}


class Command(BaseCommand):
    help = (
        "Produit les courriers de décision manquants d’un appel à projets (lettres d’attribution des lauréats, "
        "lettres de refus des dossiers rejetés) et les rassemble dans une archive ZIP. Sort en erreur si un "
        "courrier a échoué."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--call", required=True, metavar="RÉFÉRENCE", help="Référence de l’appel, ex. FIPE-OCC-2023."
        )
        parser.add_argument("--department", metavar="CODE", help="Code INSEE d’un seul département, ex. 31.")
        parser.add_argument(
            "--kind",
            choices=[LetterKind.AWARD.value, LetterKind.REFUSAL.value, ALL_KINDS],
            default=ALL_KINDS,
            help="award : lettres d’attribution ; refusal : lettres de refus ; all (défaut) : les deux.",
        )
        parser.add_argument("--output", required=True, metavar="FICHIER.zip", help="Archive ZIP à écrire.")
        parser.add_argument(
            "--user",
            metavar="IDENTIFIANT",
            help="Compte enregistré comme auteur des courriers (défaut : le seul super-utilisateur actif).",
        )
        parser.add_argument(
            "--processes", type=int, metavar="N", help="Processus de rendu PDF (défaut : un par cœur disponible)."
        )

    def handle(self, *args, call, department, kind, output, user, processes, **options):
        call_obj = Call.objects.filter(reference=call).select_related("region").first()
        if call_obj is None:
            raise CommandError(f"Appel à projets inconnu : {call}.")
        department_obj = None
        if department:
            department_obj = Department.objects.filter(code=department).first()
            if department_obj is None:
                raise CommandError(f"Département inconnu : {department}.")
            if department_obj.region_id != call_obj.region_id:
                raise CommandError(f"Le département {department_obj} n’est pas dans la région de l’appel {call}.")
        if processes is not None and processes < 1:
            raise CommandError("--processes doit valoir au moins 1.")
        output = Path(output)
        if output.is_dir():
            raise CommandError(
                f"{output} est un dossier : indiquez le fichier de l’archive, ex. {output / 'courriers.zip'}."
            )
        if not output.parent.is_dir():
            raise CommandError(f"Dossier introuvable pour l’archive : {output.parent}.")
        by = self.author(user)

        # Written next to the target and renamed at the end: no half-written archive is ever left behind.
        handle, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as archive:
                summary = generate_missing_letters(
                    call=call_obj,
                    by=by,
                    department=department_obj,
                    kind=kind,
                    archive=archive,
                    processes=processes,
                    on_progress=self.show_progress,
                )
            os.replace(partial, output)
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        self.stderr.write("", style_func=str)
        self.report(summary, output)
        if summary.failed:
            failed = ngettext(
                "%(failed)d courrier en échec sur %(total)d : voir le récapitulatif.",
                "%(failed)d courriers en échec sur %(total)d : voir le récapitulatif.",
                summary.failed,
            )
            raise CommandError(failed % {"failed": summary.failed, "total": summary.total})

    def author(self, username):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"Utilisateur inconnu ou inactif : {username}.")
            return user
        superusers = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
        if len(superusers) != 1:
            raise CommandError("Précisez --user : le compte qui sera enregistré comme auteur des courriers.")
        return superusers[0]

    def show_progress(self, summary: BatchSummary) -> None:
        processed, total, width = len(summary.outcomes), summary.total, 30
        filled = width * processed // total if total else width
        bar = "#" * filled + "." * (width - filled)
        self.stderr.write(
            f"\r[{bar}] {processed}/{total} courriers — {summary.failed} en échec", style_func=str, ending=""
        )
        self.stderr.flush()

    def report(self, summary: BatchSummary, output: Path) -> None:
        self.stdout.write(f"Courriers produits : {summary.generated}")
        self.stdout.write(f"Courriers ignorés (déjà produits) : {summary.skipped}")
        self.stdout.write(f"Courriers en échec : {summary.failed}")
        for outcome in summary.outcomes:
            if outcome.outcome == "failed":
                self.stdout.write(f"  - {outcome.reference} ({KIND_LABELS[outcome.kind]}) : {outcome.message}")
        archive = ngettext(
            "Archive : %(output)s (%(count)d courrier)", "Archive : %(output)s (%(count)d courriers)", summary.generated
        )
        self.stdout.write(archive % {"output": output, "count": summary.generated})
