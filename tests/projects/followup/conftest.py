import pytest

from tests.departments.factories import regional_approver


@pytest.fixture
def approver(db):
    """The regional prefecture's approver: approves, pays, issues letters and conventions."""
    return regional_approver()
