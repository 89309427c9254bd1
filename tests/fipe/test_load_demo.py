import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from departments.models import Membership
from fipe.demo import demo_steps


def test_load_demo_is_refused_in_production_mode(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        call_command("load_demo")
    assert not get_user_model().objects.exists()


def test_load_demo_creates_the_accounts_with_force(db, settings, quick_pdfs):
    settings.DEBUG = False
    call_command("load_demo", "--force")
    user = get_user_model().objects.get(username="caf-11")
    assert user.check_password("fipe-demo")


def test_load_demo_is_idempotent(db, settings, quick_pdfs):
    settings.DEBUG = True
    call_command("load_demo")
    counts = (get_user_model().objects.count(), Membership.objects.count())
    call_command("load_demo")
    assert (get_user_model().objects.count(), Membership.objects.count()) == counts
    # departments.demo's 11 accounts, plus the instructors and secretaries reviews.demo adds for the other departments,
    # plus the API's service account (projects.demo.api)
    assert counts[0] == 11 + 22 + 1


def test_each_app_adds_its_demo_steps_and_load_demo_runs_them_in_their_order():
    modules = [step.__module__ for step in demo_steps()]
    # The accounts first, the files before their reviews, the reviews before the committee's awards.
    assert modules[0] == "departments.demo"
    assert modules.index("projects.demo.applications") < modules.index("reviews.demo")
    assert modules.index("reviews.demo") < modules.index("projects.demo.awards")
