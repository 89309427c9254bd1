"""Write and compile the French catalog of plural forms (locale/fr), after adding or changing a plural.

The interface is written in French, so no message needs translating, except for one thing:
without a catalog entry, `ngettext` and `{% blocktranslate count %}` fall back to the English
rule (plural unless 1) and write « 0 dossiers ». The catalog holds every plural message with
French's rule (singular for 0 and 1), its forms being the message's own.
"""

import re
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command

# One entry of a .po file with a plural: msgid and msgid_plural, each a run of quoted lines.
ENTRY = re.compile(r'^msgid ((?:"(?:[^"\\]|\\.)*"\n)+)msgid_plural ((?:"(?:[^"\\]|\\.)*"\n)+)', re.MULTILINE)
HEADER = """msgid ""
msgstr ""
"Project-Id-Version: FIPE\\n"
"PO-Revision-Date: 2026-12-01 00:00+0100\\n"
"Last-Translator: FIPE\\n"
"Language-Team: FIPE\\n"
"MIME-Version: 1.0\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: fr\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"""


class Command(BaseCommand):
    help = "Extrait les messages au pluriel et compile le catalogue français (locale/fr)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Vérifie seulement que le catalogue est à jour (le laisse tel quel ; statut 1 sinon).",
        )

    def handle(self, *args, check=False, **options):
        folder = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES"
        po, mo = folder / "django.po", folder / "django.mo"
        if check:
            before = {path: path.read_bytes() for path in (po, mo) if path.exists()}
            try:
                self._write(folder, po, mo)
                changed = po.read_bytes() != before.get(po)
            finally:
                for path in (po, mo):
                    if path in before:
                        path.write_bytes(before[path])
            if changed:
                raise CommandError("Le catalogue des pluriels n’est pas à jour : lancez manage.py french_plurals.")
            return
        count = self._write(folder, po, mo)
        self.stdout.write(f"{count} messages au pluriel dans {po}.")

    def _write(self, folder: Path, po: Path, mo: Path) -> int:
        # Start afresh: makemessages would otherwise merge with the catalog written last time.
        po.unlink(missing_ok=True)
        call_command(
            "makemessages",
            locale=["fr"],
            ignore_patterns=["staticfiles", "media", "tests", "bench", "e2e-screenshots"],
            no_location=True,
            no_obsolete=True,
            verbosity=0,
        )
        entries = [
            f"msgid {singular}msgid_plural {plural}msgstr[0] {singular}msgstr[1] {plural}"
            for singular, plural in ENTRY.findall(po.read_text())
        ]
        po.write_text("\n".join([HEADER, *entries]))
        try:
            subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            raise CommandError(f"msgfmt a échoué : {error}") from None
        return len(entries)
