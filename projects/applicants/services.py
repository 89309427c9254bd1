"""The applicant's space: sign-in links, the files an address holds and their public labels, online
filing (its acknowledgement of receipt is in `acknowledgement`), co-contacts and withdrawal. The
exchanges with the instructors are in `exchanges`.

An applicant is not a user: they are known by the address a sign-in link proved they read.
They hold the applications whose contact is that address and those its contact invited them to.
"""

import datetime
import hashlib
import secrets
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from projects.applicants.acknowledgement import (
    acknowledgement_filename,
    acknowledgement_sources,
    make_acknowledgement,
    service_in_charge,
)
from projects.applicants.models import (
    SIGN_IN_LINK_LIFETIME,
    CoContact,
    InformationRequest,
    RequiredDocument,
    SignInLink,
)
from projects.enums import OPEN_STATUSES, PUBLIC_STATUS_LABELS, CallStatus, LetterKind, Status
from projects.exceptions import DomainError, PermissionRefused, TransitionNotAllowed
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.models import Applicant, Application, Attachment, Call, DecisionLetter, StatusChange
from projects.notifications.services import Attachment as MailAttachment
from projects.notifications.services import notify
from projects.services import allocate_reference, store_attachment

# At most this many links per address, and per IP address, within the window: enough for a lost
# e-mail or two, too few to flood someone's mailbox or to probe addresses.
LINKS_PER_ADDRESS = 3
LINKS_PER_IP = 20
RATE_WINDOW = datetime.timedelta(minutes=30)


class SignInRefused(DomainError):
    """A sign-in link that is unknown, used or expired; `reason` says which, for the page to explain."""

    def __init__(self, message, *, reason: str):
        super().__init__(message)
        self.reason = reason


class TooManyLinks(DomainError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Sign-in links --------------------------------------------------------------------------------


def send_sign_in_link(*, email: str, ip: str | None, link_url: Callable[[str], str], now=None) -> None:
    """Send a single-use sign-in link to `email`, whether or not it holds a file (it may file a new one).

    The caller says the same thing whatever the address: only the mailbox's owner learns more.
    """
    email = normalise_email(email)
    now = now or timezone.now()
    since = now - RATE_WINDOW
    recent = SignInLink.objects.filter(created_at__gte=since)
    if recent.filter(email=email).count() >= LINKS_PER_ADDRESS or (ip and recent.filter(ip=ip).count() >= LINKS_PER_IP):
        raise TooManyLinks(
            _("Trop de liens de connexion ont été demandés : réessayez dans %(minutes)d minutes.")
            % {"minutes": int(RATE_WINDOW.total_seconds() // 60)}
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        SignInLink.objects.create(email=email, token_hash=token_hash(token), ip=ip or None, created_at=now)
        notify(
            event="applicant_sign_in_link",
            recipients=[email],
            subject=_("Votre lien de connexion à l’espace porteur de projet FIPE"),
            template="projects/applicants/mail/sign_in_link",
            context={
                "url": link_url(token),
                "minutes": int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60),
            },
        )


def check_sign_in_link(*, token: str, now=None) -> SignInLink:
    """The link if it may still be used; SignInRefused saying why otherwise."""
    now = now or timezone.now()
    link = SignInLink.objects.filter(token_hash=token_hash(token)).first()
    if link is None:
        raise SignInRefused(_("Ce lien de connexion n’est pas valide : il a pu être mal copié."), reason="invalid")
    if link.used_at is not None:
        raise SignInRefused(_("Ce lien de connexion a déjà servi : chaque lien ne sert qu’une fois."), reason="used")
    if link.is_expired(now):
        raise SignInRefused(
            _("Ce lien de connexion a expiré : il n’est valable que %(minutes)d minutes.")
            % {"minutes": int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)},
            reason="expired",
        )
    return link


def use_sign_in_link(*, token: str, now=None) -> str:
    """Spend the link and return the address it proves; SignInRefused if it cannot be used.

    Both outcomes are sign-in acts of the journal, as a staff member's password is.
    """
    now = now or timezone.now()
    try:
        link = check_sign_in_link(token=token, now=now)
        # One conditional UPDATE: of two uses at once, only one finds the link unused.
        if not SignInLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now):
            raise SignInRefused(
                _("Ce lien de connexion a déjà servi : chaque lien ne sert qu’une fois."), reason="used"
            )
    except SignInRefused as refused:
        record(actor=None, act=JournalAct.SIGN_IN_FAILED, data={"applicant_link": refused.reason})
        raise
    record(actor=link.email, act=JournalAct.SIGN_IN, data={"applicant_link": "used"})
    return link.email


# Whose files ----------------------------------------------------------------------------------


# A rejection is notified by its letter: until that is sent, the applicant reads « En cours d'examen ».
REFUSALS_SENT = DecisionLetter.objects.filter(
    application=OuterRef("pk"), kind=LetterKind.REFUSAL, sent_at__isnull=False
)


def applications_of(email: str) -> QuerySet:
    """The applications `email` holds: those whose contact it is, and those it was invited to."""
    email = normalise_email(email)
    return Application.objects.filter(
        Q(applicant__contact_email__iexact=email) | Q(co_contact__email__iexact=email)
    ).annotate(refusal_sent=Exists(REFUSALS_SENT))


def refusal_notified(application: Application) -> bool:
    """Whether the file's refusal letter was sent; from applications_of's annotation when there."""
    sent = getattr(application, "refusal_sent", None)
    if sent is None:
        sent = application.letters.filter(kind=LetterKind.REFUSAL, sent_at__isnull=False).exists()
    return sent


def public_label(application: Application, status: str | None = None) -> str:
    """What the applicant reads for the file's status (or `status`): the outcome shows once notified only."""
    status = status or application.status
    if status == Status.REJECTED and not refusal_notified(application):
        status = Status.IN_REVIEW
    return PUBLIC_STATUS_LABELS[status]


def public_timeline(application: Application) -> list[dict]:
    """The file's history as the applicant may read it: public labels, one line per change of label.

    Internal steps (the review ending, the committee's opinion) share a public label with the
    step before, so they do not show: a file not proposed reads « En cours d'examen » until the
    decision is notified.
    """
    timeline = []
    for change in application.status_changes.all():
        label = public_label(application, change.to_status)
        if timeline and timeline[-1]["label"] == label:
            continue
        timeline.append({"label": label, "at": change.at})
    return timeline


def public_timeline_labels(application: Application) -> list[str]:
    return [str(step["label"]) for step in public_timeline(application)]


def is_main_contact(application: Application, email: str) -> bool:
    return normalise_email(application.applicant.contact_email) == normalise_email(email)


def applicant_recipients(application: Application) -> list[str]:
    """Who hears about the file: its contact and its co-contact, if any."""
    recipients = [application.applicant.contact_email]
    co_contact = CoContact.objects.filter(application=application).first()
    if co_contact is not None:
        recipients.append(co_contact.email)
    return [address for address in dict.fromkeys(recipients) if address]


def invite_co_contact(*, application: Application, email: str, by_email: str) -> CoContact:
    """The file's contact invites one other address; a new invitation replaces the previous one."""
    if not is_main_contact(application, by_email):
        raise PermissionRefused(_("Seul le contact du dossier peut inviter un co-contact."))
    email = normalise_email(email)
    if email == normalise_email(by_email):
        raise ValidationError({"email": _("Indiquez l’adresse d’une autre personne que vous.")})
    with transaction.atomic():
        co_contact, _created = CoContact.objects.update_or_create(
            application=application, defaults={"email": email, "invited_by": normalise_email(by_email)}
        )
        notify(
            event="applicant_co_contact_invited",
            recipients=[email],
            subject=_("Vous êtes invité à suivre un dossier FIPE"),
            template="projects/applicants/mail/co_contact",
            context={"application": application, "invited_by": by_email},
            about=application,
        )
    return co_contact


# Online filing ----------------------------------------------------------------------------------


def check_open_for_filing(call: Call, today: datetime.date) -> None:
    """Filing online is possible from the call's opening date to its closing date included."""
    if call.status != CallStatus.OPEN or today < call.opens_on:
        raise DomainError(
            _("L’appel à projets %(reference)s n’est pas ouvert au dépôt en ligne.") % {"reference": call.reference}
        )
    if today > call.closes_on:
        raise DomainError(
            _("L’appel à projets %(reference)s est clos depuis le %(date)s : il n’accepte plus de dossier.")
            % {"reference": call.reference, "date": call.closes_on.strftime("%d/%m/%Y")}
        )


def open_calls(today: datetime.date) -> QuerySet:
    return Call.objects.filter(status=CallStatus.OPEN, opens_on__lte=today, closes_on__gte=today).select_related(
        "region"
    )


def check_draft(application: Application, email: str) -> None:
    """The applicant's own online draft, still to be filed."""
    if application.status != Status.DRAFT or application.reference is not None:
        raise TransitionNotAllowed(_("Ce dossier est déposé : il ne peut plus être modifié en ligne."))
    if not applications_of(email).filter(pk=application.pk).exists():
        raise PermissionRefused(_("Ce dossier n’est pas le vôtre."))


def save_draft(
    *,
    email: str,
    call: Call,
    applicant: Applicant,
    department: Department,
    amounts_by_year: dict[int, Decimal],
    application: Application | None = None,
    today: datetime.date,
    **fields,
) -> Application:
    """Create or update an online draft; it has no reference, so no staff page shows it."""
    check_open_for_filing(call, today)
    if department.region_id != call.region_id:
        raise ValidationError({"department": _("Ce département n’appartient pas à la région de l’appel à projets.")})
    if normalise_email(applicant.contact_email) != normalise_email(email):
        raise PermissionRefused(_("Vous n’êtes pas le contact de cet organisme."))
    with transaction.atomic():
        if application is None:
            application = Application(call=call)
            created = True
        else:
            check_draft(application, email)
            created = False
        application.applicant = applicant
        application.department = department
        for name, value in fields.items():
            setattr(application, name, value)
        application.full_clean(exclude=["reference"])
        application.save()
        application.set_requested_amounts(amounts_by_year)
        if created:
            StatusChange.objects.create(
                application=application,
                from_status="",
                to_status=Status.DRAFT,
                by_applicant=normalise_email(email),
                comment=_("Brouillon commencé en ligne"),
            )
    return application


def store_applicant_file(
    *,
    application: Application,
    uploaded_file,
    email: str,
    requirement: RequiredDocument | None = None,
    information_request: InformationRequest | None = None,
) -> Attachment:
    """Store a file the applicant sent, after checking its kind and size from its content."""
    return store_attachment(
        application=application,
        uploaded_file=uploaded_file,
        description=requirement.label if requirement else "",
        uploaded_by_applicant=normalise_email(email),
        requirement=requirement,
        information_request=information_request,
    )


def attach_required_document(
    *, application: Application, requirement: RequiredDocument, uploaded_file, email: str
) -> Attachment:
    """File (or replace) one of the documents the call requires, on a draft."""
    check_draft(application, email)
    if requirement.call_id != application.call_id:
        raise ValidationError({"requirement": _("Cette pièce n’est pas demandée par cet appel à projets.")})
    with transaction.atomic():
        replaced = list(application.attachments.filter(requirement=requirement))
        attachment = store_applicant_file(
            application=application, uploaded_file=uploaded_file, email=email, requirement=requirement
        )
        for old in replaced:
            old.file.delete(save=False)
            old.delete()
    return attachment


def missing_documents(application: Application) -> list[RequiredDocument]:
    provided = set(application.attachments.filter(requirement__isnull=False).values_list("requirement_id", flat=True))
    return [document for document in application.call.required_documents.all() if document.pk not in provided]


def submit_online(*, application: Application, email: str, today: datetime.date) -> Application:
    """« Déposer »: the complete draft gets its reference, moves to `submitted`, and its
    acknowledgement of receipt is made and e-mailed, all or nothing."""
    check_draft(application, email)
    check_open_for_filing(application.call, today)
    missing = missing_documents(application)
    if missing:
        raise ValidationError(
            {
                "requirement": _("Pièces manquantes : %(pieces)s.")
                % {"pieces": ", ".join(document.label for document in missing)}
            }
        )
    # The signatory's key is checked before anything moves: an acknowledgement that cannot be signed
    # leaves the draft as it was.
    sources = acknowledgement_sources(application)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.reference is not None:
            raise TransitionNotAllowed(_("Ce dossier est déjà déposé."))
        application.reference = allocate_reference(call=application.call, department=application.department)
        application.save(update_fields=["reference", "updated_at"])
        application.applicant_transition("submit", email=normalise_email(email))
        acknowledgement = make_acknowledgement(application=application, sources=sources)
        try:
            with acknowledgement.file.open("rb") as signed:
                content = signed.read()
            notify(
                event="application_filed_online",
                recipients=applicant_recipients(application),
                subject=_("Accusé de réception de votre dossier %(reference)s") % {"reference": application.reference},
                template="projects/applicants/mail/acknowledgement",
                context={"application": application, **service_in_charge(application)},
                about=application,
                attachments=[MailAttachment(acknowledgement_filename(application), content)],
            )
        except BaseException:
            acknowledgement.file.storage.delete(acknowledgement.file.name)
            raise
    return application


def withdraw_by_applicant(*, application: Application, email: str, reason: str) -> StatusChange:
    """The applicant withdraws a file while no decision is made on it."""
    if not applications_of(email).filter(pk=application.pk).exists():
        raise PermissionRefused(_("Ce dossier n’est pas le vôtre."))
    if application.status not in OPEN_STATUSES:
        raise TransitionNotAllowed(_("Une décision a été prise sur ce dossier : il ne peut plus être retiré."))
    return application.applicant_transition("withdraw", email=normalise_email(email), comment=reason)
