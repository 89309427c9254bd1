import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from departments.models import Department
from projects.enums import LetterKind, Status
from projects.letters import rendering
from projects.letters.pipeline import generate_letter
from projects.models import DecisionLetter
from tests.departments.factories import UserFactory, regional_approver
from tests.projects.letters.factories import laureate, pdf_text, rejected, signatory


@pytest.fixture
def approver(db):
    signatory()
    return regional_approver(username="prefecture")


def run(*args, **options):
    out, err = StringIO(), StringIO()
    try:
        call_command("generate_letters", *args, stdout=out, stderr=err, **options)
    finally:
        run.out, run.err = out.getvalue(), err.getvalue()


def zip_names(path):
    with zipfile.ZipFile(path) as archive:
        return sorted(archive.namelist())


def fail_for(monkeypatch, reference):
    """Make the PDF rendering of one application's letter fail (the forked pool workers inherit it)."""
    real = rendering.render_pdf

    def flaky(html):
        if reference in html:
            raise RuntimeError("police de caractères illisible")
        return real(html)

    monkeypatch.setattr(rendering, "render_pdf", flaky)


def test_the_batch_zips_every_missing_letter(approver, tmp_path):
    first, second, refused = laureate(), laureate(), rejected()
    output = tmp_path / "letters.zip"
    run("--call", "FIPE-OCC-2023", "--output", str(output), "--user", "prefecture")
    assert zip_names(output) == [
        f"011/{first.reference}-attribution-v1.pdf",
        f"011/{second.reference}-attribution-v1.pdf",
        f"011/{refused.reference}-refus-v1.pdf",
    ]
    with zipfile.ZipFile(output) as archive:
        text = pdf_text(archive.read(f"011/{refused.reference}-refus-v1.pdf"))
    assert "Motifs de la décision" in text
    assert DecisionLetter.objects.count() == 3
    assert "Courriers produits : 3" in run.out
    assert "Courriers en échec : 0" in run.out


def test_letters_already_produced_are_skipped(approver, tmp_path):
    done, missing = laureate(), laureate()
    generate_letter(application=done, kind=LetterKind.AWARD, by=approver)
    output = tmp_path / "letters.zip"
    run("--call", "FIPE-OCC-2023", "--output", str(output), "--user", "prefecture")
    assert zip_names(output) == [f"011/{missing.reference}-attribution-v1.pdf"]
    assert "Courriers produits : 1" in run.out
    assert "Courriers ignorés (déjà produits) : 1" in run.out
    assert DecisionLetter.objects.filter(application=done).count() == 1


def test_the_kind_and_department_narrow_the_batch(approver, tmp_path):
    laureate()
    rejected()
    in_31 = laureate(department=Department.objects.get(code="31"), reference="FIPE-OCC-2023-031-001")
    output = tmp_path / "letters.zip"
    run(
        "--call",
        "FIPE-OCC-2023",
        "--department",
        "31",
        "--kind",
        "award",
        "--output",
        str(output),
        "--user",
        "prefecture",
    )
    assert zip_names(output) == [f"031/{in_31.reference}-attribution-v1.pdf"]


def test_one_failed_letter_is_reported_with_its_reason_and_the_command_fails(approver, tmp_path, monkeypatch):
    applications = [laureate() for _ in range(4)]
    broken = applications[2]
    fail_for(monkeypatch, broken.reference)
    output = tmp_path / "letters.zip"
    with pytest.raises(CommandError, match="1 courrier en échec sur 4"):
        run("--call", "FIPE-OCC-2023", "--output", str(output), "--user", "prefecture", "--processes", "2")
    assert zip_names(output) == sorted(
        f"011/{application.reference}-attribution-v1.pdf" for application in applications if application != broken
    )
    assert "Courriers produits : 3" in run.out
    assert "Courriers en échec : 1" in run.out
    assert f"- {broken.reference} (lettre d’attribution) : RuntimeError: police de caractères illisible" in run.out
    broken.refresh_from_db()
    assert broken.status == Status.LAUREATE
    assert not DecisionLetter.objects.filter(application=broken).exists()


def test_the_exit_status_is_not_zero_when_a_letter_failed(approver, tmp_path, monkeypatch, capsys):
    broken = laureate()
    laureate()
    fail_for(monkeypatch, broken.reference)
    output = tmp_path / "letters.zip"
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(
            [
                "manage.py",
                "generate_letters",
                "--call",
                "FIPE-OCC-2023",
                "--output",
                str(output),
                "--user",
                "prefecture",
            ]
        )
    assert exit_.value.code == 1
    assert "1 courrier en échec" in capsys.readouterr().err


def test_the_progress_bar_goes_to_stderr(approver, tmp_path):
    laureate()
    laureate()
    run("--call", "FIPE-OCC-2023", "--output", str(tmp_path / "letters.zip"), "--user", "prefecture")
    assert "[##############################] 2/2 courriers — 0 en échec" in run.err
    assert "courriers —" not in run.out


def test_without_user_the_only_superuser_signs_the_generation(approver, tmp_path):
    application = laureate()
    admin = UserFactory(is_superuser=True)
    run("--call", "FIPE-OCC-2023", "--output", str(tmp_path / "letters.zip"))
    assert DecisionLetter.objects.get(application=application).generated_by == admin


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--call", "FIPE-XXX-2023"], "Appel à projets inconnu : FIPE-XXX-2023."),
        (["--call", "FIPE-OCC-2023", "--department", "99"], "Département inconnu : 99."),
        (["--call", "FIPE-OCC-2023", "--department", "75"], "n’est pas dans la région de l’appel"),
        (["--call", "FIPE-OCC-2023", "--user", "personne"], "Utilisateur inconnu ou inactif : personne."),
        (["--call", "FIPE-OCC-2023"], "Précisez --user"),
    ],
)
def test_bad_arguments_fail_with_one_line_and_write_nothing(approver, tmp_path, args, message):
    laureate()
    output = tmp_path / "letters.zip"
    with pytest.raises(CommandError, match=message) as error:
        run(*args, "--output", str(output))
    assert "\n" not in str(error.value)
    assert not list(tmp_path.iterdir())
    assert not DecisionLetter.objects.exists()


def test_a_missing_signatory_fails_with_one_line_and_leaves_no_archive(db, tmp_path):
    regional_approver(username="prefecture")
    laureate()
    with pytest.raises(CommandError, match="Aucun signataire en fonction"):
        run("--call", "FIPE-OCC-2023", "--output", str(tmp_path / "letters.zip"), "--user", "prefecture")
    assert not list(tmp_path.iterdir())
