from django.core.management import call_command

from projects.models import Application, Attachment
from projects.uploads import DOCX, XLSX


def test_demo_files_of_the_demo_departments_have_a_note_and_a_budget_once(db, settings, quick_pdfs):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    # The 2023 call's 35 files and the draft of the applicant's space, in the open call.
    assert Application.objects.count() == 36
    for application in Application.objects.filter(
        call__reference="FIPE-OCC-2023", department__code__in=["11", "30", "31"]
    ):
        assert sorted(application.attachments.values_list("content_type", flat=True)) == sorted([DOCX, XLSX])
    assert not Attachment.objects.exclude(application__department__code__in=["11", "30", "31"]).exists()
    assert Application.objects.filter(reference__isnull=True).count() == 1
