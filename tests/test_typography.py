"""The one helper that sets French typography in every document and page: spaces, apostrophes, elision."""

import pytest
from django.template import Context, Template

from fipe.typography import elide, french, typeset_html

NNBSP = "\u202f"


def test_quotes_hold_their_words_with_narrow_no_break_spaces():
    assert french("le projet « Bulle de répit » (Aude)") == f"le projet «{NNBSP}Bulle de répit{NNBSP}» (Aude)"
    assert french("«Bulle»") == f"«{NNBSP}Bulle{NNBSP}»"


@pytest.mark.parametrize("mark", [";", ":", "!", "?"])
def test_a_high_punctuation_mark_takes_a_narrow_no_break_space(mark):
    assert french(f"Objet {mark} la suite") == f"Objet{NNBSP}{mark} la suite"
    assert french(f"Objet{mark} la suite") == f"Objet{NNBSP}{mark} la suite"


@pytest.mark.parametrize("text", ["https://fipe.example/verifier/?reference=A&code=B", "à 14:30", "le 01/12/2026"])
def test_urls_times_and_dates_are_left_as_they_are(text):
    assert french(text) == text


def test_thousands_are_grouped_with_narrow_no_break_spaces():
    assert french("239\u00a0500,00\u00a0€") == f"239{NNBSP}500,00\u00a0€"
    assert french("1 234 567 euros") == f"1{NNBSP}234{NNBSP}567 euros"
    assert french("Tél. 05 34 45 34 45") == "Tél. 05 34 45 34 45"


def test_a_number_holds_to_its_numero_sign():
    assert french("communes n° 4, loi N°2000-321") == "communes n°\u00a04, loi N°\u00a02000-321"
    assert french("n° de SIRET") == "n° de SIRET"


def test_apostrophes_are_typographic_and_bidi_controls_dropped():
    assert french("l'association\u202e") == "l’association"


@pytest.mark.parametrize(
    ("word", "following", "expected"),
    [
        ("de", "Anne Lefèvre", "d’Anne Lefèvre"),
        ("le", "association", "l’association"),
        ("De", "Yves", "D’Yves"),
        ("de", "Paul", "de Paul"),
        ("le", "haut", "le haut"),
    ],
)
def test_elision_before_a_vowel(word, following, expected):
    assert elide(word, following) == expected


def test_a_document_is_typeset_in_its_text_only():
    html = '<p title="a : b">Objet : « Test »</p><style>a:hover{color:red}</style><!-- x : y -->'
    assert typeset_html(html) == (
        f'<p title="a : b">Objet{NNBSP}: «{NNBSP}Test{NNBSP}»</p><style>a:hover{{color:red}}</style><!-- x : y -->'
    )


def test_pages_use_the_same_helper_through_the_template_filters():
    rendered = Template('{% load typography %}{{ text|french }} — {{ name|elide:"de" }}').render(
        Context({"text": "Attention : « brouillon »", "name": "Anne"})
    )
    assert rendered == f"Attention{NNBSP}: «{NNBSP}brouillon{NNBSP}» — d’Anne"
