"""French that reads right: plurals for zero, « 1er » for the first of the month, ordinals, no « (s) »."""

import datetime
import re
import shutil
import tokenize
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from fipe.french import duration, french_date, ordinal
from projects.models import Application, Call
from reviews.enums import ReviewerKind
from reviews.models import CommitteeMeeting, ConflictDeclaration

MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
WRONG = {
    "« 0 dossiers »": re.compile(r"\b0 dossiers\b"),
    "« 0 propositions »": re.compile(r"\b0 propositions\b"),
    "« (s) »": re.compile(r"\w\(s\)"),
    "« 1 <mois> » for « 1er »": re.compile(rf"(?<![\d/])1 (?:{MONTHS})\b"),
    "« Optionnel » on a conditional field": re.compile(r"(?:Précisions|Commentaire) \(Optionnel\)"),
}


def test_french_date_writes_1er_on_the_first_of_the_month():
    assert french_date(datetime.date(2026, 12, 1)) == "1er décembre 2026"
    assert french_date(datetime.date(2023, 12, 18)) == "18 décembre 2023"
    assert french_date(datetime.datetime(2026, 1, 1, 9, 5), "j F Y à H:i") == "1er janvier 2026 à 09:05"


def test_the_template_filter_writes_1er_in_local_time(settings):
    # 23:30 UTC on 30 November is 00:30 on 1 December in Paris.
    moment = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)
    rendered = Template('{% load french %}{{ moment|french_date:"j F Y à H:i" }}').render(Context({"moment": moment}))
    assert rendered == "1er décembre 2026 à 00:30"


def test_ordinals_and_durations():
    assert [ordinal(1), ordinal(2), ordinal(21)] == ["1er", "2e", "21e"]
    assert duration(datetime.timedelta(minutes=15)) == "15 minutes"
    assert duration(datetime.timedelta(hours=1)) == "1 heure"


def test_zero_takes_the_singular_as_french_does():
    assert ngettext("%(count)d produit", "%(count)d produits", 0) % {"count": 0} == "0 produit"
    assert (
        Template(
            "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} dossier lauréat ou rejeté"
            "{% plural %}{{ counter }} dossiers lauréats ou rejetés{% endblocktranslate %}"
        ).render(Context({"n": 0}))
        == "0 dossier lauréat ou rejeté"
    )


def test_the_french_catalog_holds_every_plural_of_the_code(settings):
    """`manage.py french_plurals` was run after the last plural was added (else « 0 dossiers » comes back)."""
    if shutil.which("msgfmt") is None or shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (msgfmt, xgettext) is needed: apt-get install gettext")
    catalog = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    committed = catalog.read_text()
    call_command("french_plurals", "--check")
    assert catalog.read_text() == committed


def source_texts(root: Path):
    """Each string literal of the Python sources and each template, with where it is."""
    for folder in ("projects", "reviews", "fipe", "departments", "templates"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".html", ".txt"):
                yield path, path.read_text()
            elif path.suffix == ".py":
                with path.open("rb") as source:
                    for token in tokenize.tokenize(source.readline):
                        if token.type == tokenize.STRING:
                            yield f"{path}:{token.start[0]}", token.string


def test_no_source_writes_a_plural_with_s_in_brackets(settings):
    """« 2 dossiers », never « dossier(s) »: the developers' guide asks ngettext or blocktranslate count."""
    found = [
        f"{where}: {match.group()}"
        for where, text in source_texts(Path(settings.BASE_DIR))
        for match in WRONG["« (s) »"].finditer(text)
    ]
    assert not found, found


# Django's `date` filter writes the day with « j » as « 1 » on the first of the month: a day in words
# goes through `french_date`, in pages, letters and e-mails alike.
DAY_IN_WORDS_WITHOUT_1ER = re.compile(r"\|\s*date\s*:\s*[\"'][^\"']*\bj\b")


def test_no_template_writes_a_day_in_words_without_french_date(settings):
    found = [
        f"{path}: {match.group()}"
        for path, text in source_texts(Path(settings.BASE_DIR))
        for match in DAY_IN_WORDS_WITHOUT_1ER.finditer(text)
    ]
    assert not found, found


def test_e_mails_write_1er_on_the_first_of_the_month():
    due = datetime.date(2026, 12, 1)
    for name in ("report_reminder.txt", "report_reminder.html"):
        rendered = render_to_string(
            f"projects/followup/email/{name}",
            {
                "application": {"reference": "FIPE-OCC-2023-011-001", "title": "Crèche"},
                "item": {"year": 2026, "due_on": due},
            },
        )
        assert "1er décembre 2026" in rendered and "1 décembre" not in rendered


def pages_of(username) -> list[str]:
    call = Call.objects.get(reference="FIPE-OCC-2023")
    laureate = Application.objects.filter(status="laureate").first()
    waiting = Application.objects.filter(department__code="11", status__in=("submitted", "in_review"))
    in_review, declared = waiting[0], waiting[1]
    if username == "caf-11":
        ConflictDeclaration.objects.get_or_create(
            user=get_user_model().objects.get(username=username), application=declared, has_conflict=False
        )
    meeting = CommitteeMeeting.objects.filter(department__code="11").first()
    common = [
        reverse("home"),
        reverse("projects:application_list"),
        reverse("projects:application_list") + "?q=aucun-dossier-de-ce-nom",
        reverse("projects:call_detail", args=[call.reference]),
    ]
    by_role = {
        "caf-11": [
            reverse("reviews:declare", args=[in_review.reference]),
            reverse("reviews:review", args=[declared.reference, ReviewerKind.CAF]),
            reverse("projects:application_list") + "?work=draft",
        ],
        "cdsf-11": [reverse("reviews:meeting_list"), reverse("reviews:meeting_detail", args=[meeting.pk])],
        "prefecture-76": [
            reverse("projects:approval", args=[call.reference]),
            reverse("projects:letters"),
            reverse("projects:call_letters", args=[call.reference]),
            reverse("projects:exports"),
            reverse("projects:funding_dashboard", args=[call.reference]),
            reverse("projects:application_detail", args=[laureate.reference]) + "?onglet=courriers",
            reverse("projects:application_detail", args=[laureate.reference]) + "?onglet=subvention",
            reverse("projects:letter_batch", args=[call.letter_batches.first().pk]),
        ],
    }
    return common + by_role.get(username, [])


@pytest.mark.parametrize("username", ["caf-11", "cdsf-11", "prefecture-76", "admin"])
def test_rendered_pages_read_as_french(demo, username):
    # Dates on the first of a month everywhere they can show: the committee, the call, the letters.
    first = timezone.make_aware(datetime.datetime(2026, 12, 1, 10, 0))
    CommitteeMeeting.objects.update(date=first.date())
    Call.objects.update(opens_on=datetime.date(2023, 6, 1), closes_on=datetime.date(2023, 9, 1))
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    found = {}
    for url in pages_of(username):
        response = client.get(url)
        assert response.status_code == 200, url
        text = re.sub(r"<[^>]+>", " ", response.content.decode())
        text = re.sub(r"\s+", " ", text)
        for wrong, pattern in WRONG.items():
            for match in pattern.finditer(text):
                found.setdefault(url, []).append(f"{wrong}: …{text[max(0, match.start() - 40) : match.end() + 20]}…")
    assert not found, found
