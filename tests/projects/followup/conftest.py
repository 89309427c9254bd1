import pytest

from tests.departments.factories import regional_approver
from tests.projects.sample_files import signable_pdf_bytes


@pytest.fixture
def approver(db):
    """The regional prefecture's approver: approves, pays, issues letters and conventions."""
    return regional_approver()


@pytest.fixture
def quick_conventions(monkeypatch):
    """Conventions laid out as a one-line PDF (still signed and issued): for the tests not about its text."""
    monkeypatch.setattr("projects.followup.services.render_pdf", lambda html: signable_pdf_bytes())
