from django.urls import reverse

from projects.followup.models import FollowupTerms
from tests.departments.factories import UserFactory
from tests.projects.factories import CallFactory


def test_the_admin_sets_a_calls_terms_and_refuses_malformed_indicators(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    call = CallFactory()
    url = reverse("admin:projects_followupterms_add")
    bad = client.post(url, {"call": call.pk, "advance_percent": "40", "indicators": '["enfants"]'})
    assert bad.status_code == 200 and "indicators" in bad.context["adminform"].form.errors
    assert not FollowupTerms.objects.exists()
    good = client.post(url, {"call": call.pk, "advance_percent": "40", "indicators": '[["children", "Enfants"]]'})
    assert good.status_code == 302
    assert FollowupTerms.objects.get().indicators == [["children", "Enfants"]]
    for name in ("convention", "yearlyreport", "recovery"):
        assert client.get(reverse(f"admin:projects_{name}_changelist")).status_code == 200
