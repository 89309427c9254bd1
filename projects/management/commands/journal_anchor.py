import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from projects.journal.services import TimestampFailed, last_entry_of, timestamp


def day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide : « {value} » (format AAAA-MM-JJ).") from None


class Command(BaseCommand):
    help = (
        "Affiche l’empreinte de la dernière entrée du journal des actes d’un jour (aujourd’hui par défaut), "
        "à conserver hors de l’application (courriel, registre papier). Si JOURNAL_TSA_URL désigne une autorité "
        "d’horodatage (RFC 3161), l’empreinte est horodatée et le jeton écrit dans le fichier --token."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Jour (AAAA-MM-JJ), aujourd’hui par défaut.")
        parser.add_argument("--token", metavar="FICHIER", help="Où écrire le jeton d’horodatage (DER).")

    def handle(self, *args, date=None, token=None, **options):
        target = day(date) if date else timezone.localdate()
        entry = last_entry_of(target)
        if entry is None:
            raise CommandError(f"Le journal ne contient aucune entrée au {target:%d/%m/%Y}.")
        self.stdout.write(f"{target.isoformat()} n° {entry.sequence} {entry.hash}")
        url = getattr(settings, "JOURNAL_TSA_URL", "")
        if not url:
            return
        try:
            response = timestamp(digest_hex=entry.hash, url=url)
        except TimestampFailed as error:
            raise CommandError(f"Horodatage refusé par {url} : {error}.") from None
        self.stdout.write(f"horodaté le {response.tst_info.gen_time.isoformat()} par {url}")
        if token:
            try:
                Path(token).write_bytes(response.time_stamp_token())
            except OSError as error:
                raise CommandError(f"Impossible d’écrire « {token} » : {error.strerror}.") from None
