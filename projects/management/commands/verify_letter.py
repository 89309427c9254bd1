from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from projects.letters.documents import SIGNATURE_INTACT, SIGNATURE_MISSING, verify_file
from projects.money import format_euros


class Command(BaseCommand):
    help = (
        "Vérifie qu’un PDF (lettre de décision, procès-verbal) est, octet pour octet, un document émis par FIPE, "
        "et que sa signature est intacte, comme la page /verifier/. Sort avec le statut 1 s’il n’est pas reconnu."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FICHIER.pdf", help="Le fichier à vérifier.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            # Too big to be one of ours: not even read.
            data = b"" if path.stat().st_size > settings.VERIFY_UPLOAD_MAX_BYTES else path.read_bytes()
        except OSError as error:
            raise CommandError(f"Fichier illisible : {path} ({error.strerror}).") from None
        verdict = verify_file(data)
        if not verdict.recognised:
            self.stdout.write(
                f"{path.name} : non reconnu — ce fichier n’est pas un document émis, ou il a été modifié."
            )
            raise SystemExit(1)
        document = verdict.document
        self.stdout.write(f"{path.name} : authentique — identique octet pour octet au document émis.")
        signature = {SIGNATURE_INTACT: "intacte", SIGNATURE_MISSING: "absente"}.get(verdict.signature, "altérée")
        if verdict.describable:
            lines = [
                ("Document", f"{document.get_kind_display()} {document.reference} (version {document.version})"),
                ("Émis par", document.issuer),
                ("Signé par", document.signed_by),
                ("Émis le", timezone.localtime(document.issued_at).strftime("%d/%m/%Y à %H:%M")),
                ("Pour le dossier", document.subject),
                ("Montant", format_euros(document.amount)),
                ("SHA-256", document.sha256),
            ]
            for label, value in lines:
                self.stdout.write(f"  {label} : {value}")
        self.stdout.write(f"  Signature électronique : {signature}")
