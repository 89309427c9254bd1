"""What the import and export commands share: finding the call, writing the output file."""

from pathlib import Path

from django.core.management.base import CommandError

from projects.models import Call


def get_call(reference: str | None) -> Call:
    if not reference:
        raise CommandError("Indiquez l’appel à projets avec --call (par exemple --call FIPE-OCC-2023).")
    call = Call.objects.select_related("region").filter(reference=reference).first()
    if call is None:
        known = ", ".join(Call.objects.values_list("reference", flat=True)) or "aucun"
        raise CommandError(f"Appel à projets inconnu : « {reference} » (appels existants : {known}).")
    return call


def write_output(path: str, content: bytes) -> None:
    try:
        Path(path).write_bytes(content)
    except OSError as error:
        raise CommandError(f"Impossible d’écrire « {path} » : {error.strerror}.") from None
