"""The models of the `projects` app: calls and applications here, every capability's from its own package.

The capabilities' models belong to this app (its label, its migrations): Django finds them here,
and `from projects.models import …` reaches any of them.
"""

from projects.applicants.models import (
    Acknowledgement,
    CoContact,
    InformationRequest,
    RequiredDocument,
    SignInLink,
    ThreadMessage,
    acknowledgement_path,
)
from projects.awards.models import (
    CAF_COMMITMENT,
    CHORUS_COMMITMENT,
    Award,
    AwardAmount,
    FundingLine,
    FundingLineQuerySet,
    Payment,
)
from projects.exchange.api.models import ApiCall, ApiToken, ServiceAccount
from projects.exchange.models import ImportJob
from projects.followup.models import (
    Convention,
    ConventionVersion,
    FollowupTerms,
    Recovery,
    ReportReminder,
    ReportVersion,
    YearlyReport,
)
from projects.journal.models import JournalEntry, JournalHead
from projects.letters.models import (
    BATCH_STALE_AFTER,
    DecisionLetter,
    DocumentKind,
    IssuedDocument,
    KeySource,
    LetterBatch,
    Signatory,
    document_path,
    letter_path,
)
from projects.models.applications import (
    Applicant,
    Application,
    ApplicationQuerySet,
    Attachment,
    ReferenceCounter,
    RequestedAmount,
    StatusChange,
    attachment_path,
    file_sha256,
)
from projects.models.calls import Call, CallQuerySet, DepartmentEnvelope, YearEnvelope
from projects.notifications.models import (
    Message,
    MessageAttachment,
    NotificationPreference,
)

__all__ = [
    "Acknowledgement",
    "CoContact",
    "InformationRequest",
    "RequiredDocument",
    "SignInLink",
    "ThreadMessage",
    "acknowledgement_path",
    "ApiCall",
    "ApiToken",
    "ServiceAccount",
    "BATCH_STALE_AFTER",
    "CAF_COMMITMENT",
    "CHORUS_COMMITMENT",
    "YearEnvelope",
    "Applicant",
    "Application",
    "ApplicationQuerySet",
    "Attachment",
    "Award",
    "AwardAmount",
    "Call",
    "CallQuerySet",
    "Convention",
    "ConventionVersion",
    "DecisionLetter",
    "DepartmentEnvelope",
    "FollowupTerms",
    "DocumentKind",
    "IssuedDocument",
    "KeySource",
    "document_path",
    "FundingLine",
    "FundingLineQuerySet",
    "JournalEntry",
    "JournalHead",
    "ImportJob",
    "LetterBatch",
    "Message",
    "MessageAttachment",
    "NotificationPreference",
    "Payment",
    "Recovery",
    "ReferenceCounter",
    "ReportReminder",
    "ReportVersion",
    "RequestedAmount",
    "Signatory",
    "StatusChange",
    "YearlyReport",
    "attachment_path",
    "file_sha256",
    "letter_path",
]
