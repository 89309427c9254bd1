"""Who may open what: the demo roles, the sample object behind each URL and the expected answers.

The table is the specification of the site's permissions. tests/test_permission_matrix.py checks it
with the Django test client; tests/e2e/test_every_page.py opens, in Chromium, every page it says a
role may see.
"""

from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from projects.demo.applications import demo_application
from projects.demo.data import DEMO_APPLICATIONS
from projects.enums import BatchStatus
from projects.models import ConventionVersion, DecisionLetter, LetterBatch
from projects.notifications.events import letter_download_token
from reviews.models import CommitteeMeeting

ROLES = ["anonymous", "caf-11", "ddets-11", "cdsf-11", "caf-31", "prefecture-76", "admin"]


def by_title(fragment: str):
    entry = next(e for e in DEMO_APPLICATIONS if fragment in e["title"])
    return demo_application(entry)


def sample_kwargs() -> dict[str, dict]:
    """The URL arguments used for each view: objects of the Aude (department 11) unless said."""
    laureate = by_title("ancienne gare")  # Aude, notified, with award and letters
    submitted = by_title("Ludothèque")  # Aude, submitted
    reviewed = by_title("familles vulnérables")  # Haute-Garonne, reviewed
    meeting = CommitteeMeeting.objects.get(department__code="11")
    call = laureate.call.reference
    letter = DecisionLetter.objects.filter(application=laureate).first()
    kwargs = {
        "application_detail": {"reference": laureate.reference},
        "application_edit": {"reference": submitted.reference},
        "application_transition": {"reference": submitted.reference, "name": "withdraw"},
        "attachment_upload": {"reference": submitted.reference},
        "attachment_download": {"reference": submitted.reference, "pk": submitted.attachments.first().pk},
        "call_detail": {"reference": call},
        "approval": {"reference": call},
        "approval_reject": {"reference": call, "application": by_title("Bus petite enfance").reference},
        "funding_dashboard": {"reference": call},
        "award_detail": {"reference": laureate.reference},
        "award_payment": {"reference": laureate.reference},
        "award_commitment": {"reference": laureate.reference, "line": laureate.award.lines.first().pk},
        "export_awards": {"reference": call, "fmt": "csv"},
        "publish_results": {"reference": call},
        "press_release": {"reference": call},
        "press_release_docx": {"reference": call},
        "call_open_data": {"reference": call},
        "public_results": {"reference": call},
        "declare": {"reference": submitted.reference},
        "review": {"reference": submitted.reference, "kind": "caf"},
        "reopen": {"reference": reviewed.reference, "kind": "caf"},
        "meeting_detail": {"pk": meeting.pk},
        "meeting_members": {"pk": meeting.pk},
        "proposal": {"pk": meeting.pk, "reference": submitted.reference},
        "proposal_delete": {"pk": meeting.pk, "reference": submitted.reference},
        "meeting_close": {"pk": meeting.pk},
        "minutes": {"pk": meeting.pk},
    }
    batch = LetterBatch.objects.create(
        call=laureate.call,
        kind="all",
        status=BatchStatus.DONE,
        requested_by=get_user_model().objects.get(username="prefecture-76"),
    )
    kwargs.update(
        {
            "application_letters": {"reference": laureate.reference},
            "letter_preview": {"reference": laureate.reference, "kind": "award"},
            "letter_generate": {"reference": laureate.reference, "kind": "award"},
            "letter_download": {"reference": laureate.reference, "pk": letter.pk},
            "letter_mark_sent": {"reference": laureate.reference, "pk": letter.pk},
            "call_letters": {"call_reference": call},
            "letter_batch": {"pk": batch.pk},
            "letter_batch_progress": {"pk": batch.pk},
            "letter_batch_archive": {"pk": batch.pk},
        }
    )
    # Notifications: the signed link of a sent letter, a message the demo's mailbox does not hold.
    kwargs.update({"letter_link": {"token": letter_download_token(letter)}, "sent_mail_detail": {"key": "absent"}})
    # Work queues, approval and letters sent in bulk
    kwargs["call_letters_mark_sent"] = {"call_reference": call}
    kwargs["extend_session"] = {}
    kwargs.update(applicant_sample_kwargs())
    # The API (projects/exchange/api): the same call and laureate.
    kwargs.update(
        {
            "api_call": {"reference": call},
            "api_call_decisions": {"reference": call},
            "api_call_results": {"reference": call},
            "api_call_scdl": {"reference": call},
            "api_application": {"reference": laureate.reference},
        }
    )
    # Follow-up of the laureates
    convention_version = ConventionVersion.objects.filter(convention__award__application=laureate).first()
    kwargs.update(
        {
            "followup_calls": {},
            "followup_dashboard": {"reference": call},
            "followup_export": {"reference": call, "fmt": "csv"},
            "followup_detail": {"reference": laureate.reference},
            "report_file": {"reference": laureate.reference},
            "report_review": {"reference": laureate.reference, "year": 2023},
            "recovery_create": {"reference": laureate.reference},
            "convention_generate": {"reference": laureate.reference},
            "convention_signed_copy": {"reference": laureate.reference},
            "convention_step": {"reference": laureate.reference, "step": "envoyee"},
            "convention_download": {"reference": laureate.reference, "pk": convention_version.pk},
        }
    )
    return kwargs


def url_names() -> list[str]:
    """Every named URL of our namespaces, as `namespace:name`."""
    names = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin" or pattern.app_name == "admin":
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return sorted(set(names))


# GET answers, in the order of ROLES:
#            anonymous, caf-11, ddets-11, cdsf-11, caf-31, prefecture-76, admin
# 302 for anonymous is the redirection to the login page; 404 hides another department's
# object; 403 refuses a role; 405 is a POST-only view (see POST_REFUSED).
EXPECTED: dict[str, tuple[int, ...]] = {
    "home": (302, 200, 200, 200, 200, 200, 200),
    "login": (200, 302, 302, 302, 302, 302, 302),
    "logout": (302, 405, 405, 405, 405, 405, 405),
    "projects:application_create": (302, 403, 403, 403, 403, 200, 200),
    "projects:application_detail": (302, 200, 200, 200, 404, 200, 200),
    "projects:application_edit": (302, 403, 403, 403, 404, 200, 200),
    "projects:application_list": (302, 200, 200, 200, 200, 200, 200),
    "projects:application_transition": (302, 302, 302, 302, 404, 200, 200),
    "projects:approval": (302, 403, 403, 403, 403, 200, 200),
    "projects:approval_calls": (302, 403, 403, 403, 403, 200, 200),
    "projects:approval_reject": (302, 404, 404, 404, 404, 200, 200),
    "projects:attachment_download": (302, 403, 403, 200, 404, 200, 200),
    "projects:attachment_upload": (302, 405, 405, 405, 405, 405, 405),
    "projects:award_commitment": (302, 405, 405, 405, 405, 405, 405),
    "projects:award_detail": (302, 200, 200, 200, 404, 200, 200),
    "projects:award_payment": (302, 405, 405, 405, 405, 405, 405),
    "projects:call_detail": (302, 200, 200, 200, 200, 200, 200),
    "projects:call_list": (302, 200, 200, 200, 200, 200, 200),
    "projects:call_open_data": (404, 404, 404, 404, 404, 200, 200),
    "projects:export_awards": (302, 403, 403, 403, 403, 200, 200),
    "projects:exports": (302, 403, 403, 403, 403, 200, 200),
    "projects:funding_calls": (302, 200, 200, 200, 200, 200, 200),
    "projects:funding_dashboard": (302, 200, 200, 200, 200, 200, 200),
    "projects:application_letters": (302, 200, 200, 200, 404, 200, 200),
    "projects:call_letters": (302, 403, 403, 403, 403, 200, 200),
    "projects:letter_batch": (302, 404, 404, 404, 404, 200, 200),
    "projects:letter_batch_archive": (302, 404, 404, 404, 404, 404, 404),
    "projects:letter_batch_progress": (302, 404, 404, 404, 404, 200, 200),
    "projects:letter_download": (302, 200, 200, 200, 404, 200, 200),
    "projects:letter_generate": (302, 405, 405, 405, 405, 405, 405),
    "projects:letter_mark_sent": (302, 405, 405, 405, 405, 405, 405),
    "projects:letter_preview": (302, 200, 200, 200, 404, 200, 200),
    "projects:letters": (302, 403, 403, 403, 403, 200, 200),
    "projects:press_release": (302, 403, 403, 403, 403, 200, 200),
    "projects:press_release_docx": (302, 403, 403, 403, 403, 200, 200),
    "projects:public_results": (404, 404, 404, 404, 404, 404, 404),
    "projects:publish_results": (302, 405, 405, 405, 405, 405, 405),
    "reviews:declare": (302, 200, 200, 403, 404, 403, 403),
    "reviews:meeting_close": (302, 403, 403, 200, 404, 403, 200),
    "reviews:meeting_create": (302, 403, 403, 200, 403, 403, 200),
    "reviews:meeting_detail": (302, 403, 403, 200, 404, 403, 200),
    "reviews:meeting_list": (302, 403, 403, 200, 403, 403, 200),
    "reviews:meeting_members": (302, 403, 403, 302, 404, 403, 302),
    "reviews:minutes": (302, 200, 200, 200, 404, 200, 200),
    "reviews:proposal": (302, 403, 403, 200, 404, 403, 200),
    "reviews:proposal_delete": (302, 405, 405, 405, 405, 405, 405),
    "reviews:reopen": (302, 404, 404, 404, 403, 403, 200),
    "reviews:review": (302, 302, 403, 403, 404, 403, 403),
    # Follow-up of the laureates
    "projects:followup_calls": (302, 200, 200, 200, 200, 200, 200),
    "projects:followup_dashboard": (302, 200, 200, 200, 200, 200, 200),
    "projects:followup_export": (302, 200, 200, 200, 200, 200, 200),
    "projects:followup_detail": (302, 200, 200, 200, 404, 200, 200),
    "projects:report_file": (302, 200, 200, 403, 404, 200, 200),
    "projects:report_review": (302, 405, 405, 405, 405, 405, 405),
    "projects:recovery_create": (302, 405, 405, 405, 405, 405, 405),
    "projects:convention_generate": (302, 405, 405, 405, 405, 405, 405),
    "projects:convention_signed_copy": (302, 405, 405, 405, 405, 405, 405),
    "projects:convention_step": (302, 405, 405, 405, 405, 405, 405),
    "projects:convention_download": (302, 200, 200, 200, 404, 200, 200),
    # letters: the public verification of issued documents, open to anyone
    "projects:verify_document": (200, 200, 200, 200, 200, 200, 200),
    # Notifications: everyone's own preferences; a letter's signed link for whoever holds it; the demo's
    # mailbox (DEBUG only), whose sample message is absent.
    "projects:notification_preferences": (302, 200, 200, 200, 200, 200, 200),
    "projects:letter_link": (200, 200, 200, 200, 200, 200, 200),
    "projects:sent_mail": (302, 200, 200, 200, 200, 200, 200),
    "projects:sent_mail_detail": (302, 404, 404, 404, 404, 404, 404),
    # Work queues, approval and letters sent in bulk
    "projects:call_letters_mark_sent": (302, 405, 405, 405, 405, 405, 405),
    "extend_session": (405, 405, 405, 405, 405, 405, 405),
    # The API (projects/exchange/api): JSON, 401 without credentials (a signed-in browser counts as one,
    # for the documentation page); results and open data are public once published (the demo's are not).
    "projects:api_application": (401, 200, 200, 200, 404, 200, 200),
    "projects:api_applications": (401, 200, 200, 200, 200, 200, 200),
    "projects:api_call": (401, 200, 200, 200, 200, 200, 200),
    "projects:api_call_decisions": (401, 200, 200, 200, 200, 200, 200),
    "projects:api_call_results": (404, 404, 404, 404, 404, 404, 404),
    "projects:api_call_scdl": (404, 404, 404, 404, 404, 200, 200),
    "projects:api_calls": (401, 200, 200, 200, 200, 200, 200),
    "projects:api_docs": (200, 200, 200, 200, 200, 200, 200),
    "projects:api_not_found": (404, 404, 404, 404, 404, 404, 404),
    "projects:api_schema": (200, 200, 200, 200, 200, 200, 200),
}


# — The applicant's space ———————————————————————————————————————————————————————————————————
# Applicants are not users: each signs in with a link, and their session holds their address.
# Three of the demo's: the draft's owner, the laureate of the ancienne gare, and the contact whose
# file awaits more information. Each applicant URL's sample object belongs to one of them.
APPLICANT_ROLES = {
    "applicant-draft": "mairie@esperaza.example",
    "applicant-laureate": "contact1@porteur.example",
    "applicant-awaiting": "contact22@porteur.example",
}


def applicant_sample_kwargs() -> dict[str, dict]:
    from projects.applicants.demo import DRAFT_TITLE, OPEN_CALL
    from projects.applicants.models import InformationRequest
    from projects.models import Application

    laureate = by_title("ancienne gare")
    draft = Application.objects.get(title=DRAFT_TITLE)
    awaiting_request = InformationRequest.objects.get(application=by_title("Jardin d’éveil"))
    in_review = by_title("Motricité libre")  # Haute-Garonne, in review
    return {
        "applicant_sign_in_link": {"token": "lien-inconnu"},
        "applicant_sign_out": {},
        "applicant_file_new": {"reference": OPEN_CALL},
        "applicant_file": {"pk": laureate.pk},
        "applicant_draft_edit": {"pk": draft.pk},
        "applicant_documents": {"pk": draft.pk},
        "applicant_submit": {"pk": draft.pk},
        "applicant_attachment": {"pk": draft.pk, "attachment": draft.attachments.first().pk},
        "applicant_acknowledgement": {"pk": laureate.pk},
        "applicant_letter": {"pk": laureate.pk, "letter": laureate.letters.filter(sent_at__isnull=False).first().pk},
        "applicant_withdraw": {"pk": draft.pk},
        "applicant_invite": {"pk": laureate.pk},
        "applicant_answer": {"pk": awaiting_request.application_id, "request_pk": awaiting_request.pk},
        "applicant_message": {"pk": laureate.pk},
        "applicant_convention": {"pk": laureate.pk},
        "applicant_signed_copy": {"pk": laureate.pk},
        "applicant_report": {"pk": laureate.pk},
        "information_request_create": {"reference": in_review.reference},
        "staff_message": {"reference": in_review.reference},
    }


# For the staff roles: an applicant page sends to the applicant's sign-in (302), whoever is signed in.
#            anonymous, caf-11, ddets-11, cdsf-11, caf-31, prefecture-76, admin
EXPECTED.update(
    {
        "projects:applicant_sign_in": (200, 200, 200, 200, 200, 200, 200),
        "projects:applicant_link_sent": (200, 200, 200, 200, 200, 200, 200),
        "projects:applicant_sign_in_link": (400, 400, 400, 400, 400, 400, 400),
        "projects:applicant_sign_out": (405, 405, 405, 405, 405, 405, 405),
        "projects:applicant_home": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_file_new": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_file": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_draft_edit": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_documents": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_submit": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_attachment": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_acknowledgement": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_letter": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_withdraw": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_invite": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_answer": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_message": (405, 405, 405, 405, 405, 405, 405),
        "projects:applicant_convention": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_signed_copy": (302, 302, 302, 302, 302, 302, 302),
        "projects:applicant_report": (302, 302, 302, 302, 302, 302, 302),
        "projects:information_request_create": (302, 404, 404, 404, 200, 403, 200),
        "projects:staff_message": (302, 404, 404, 404, 200, 403, 200),
    }
)

# GET answers for the applicants, in the order of APPLICANT_ROLES (draft, laureate, awaiting): each
# reaches their own file's pages and gets 404 on anyone else's. Staff pages answer them as anonymous.
APPLICANT_EXPECTED: dict[str, tuple[int, ...]] = {
    "projects:applicant_sign_in": (200, 200, 200),
    "projects:applicant_link_sent": (200, 200, 200),
    "projects:applicant_sign_in_link": (400, 400, 400),
    "projects:applicant_sign_out": (405, 405, 405),
    "projects:applicant_home": (200, 200, 200),
    "projects:applicant_file_new": (200, 200, 200),
    "projects:applicant_file": (404, 200, 404),
    "projects:applicant_draft_edit": (200, 404, 404),
    "projects:applicant_documents": (200, 404, 404),
    "projects:applicant_submit": (200, 404, 404),
    "projects:applicant_attachment": (200, 404, 404),
    # The laureate's file was keyed in by the services: it has no acknowledgement of receipt.
    "projects:applicant_acknowledgement": (404, 404, 404),
    "projects:applicant_letter": (404, 200, 404),
    "projects:applicant_withdraw": (200, 404, 404),
    "projects:applicant_invite": (404, 200, 404),
    "projects:applicant_answer": (404, 404, 200),
    "projects:applicant_message": (405, 405, 405),
    "projects:applicant_convention": (404, 200, 404),
    "projects:applicant_signed_copy": (404, 200, 404),
    "projects:applicant_report": (404, 200, 404),
}
