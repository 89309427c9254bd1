"""Operations that span several models. Keyword-only, typed, no request, no messages."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.exceptions import (
    PermissionRefused,
)
from projects.models import (
    Applicant,
    Application,
    Attachment,
    Call,
    ReferenceCounter,
    StatusChange,
    file_sha256,
)
from projects.uploads import clean_file_name, validate_attachment


def allocate_reference(*, call: Call, department: Department) -> str:
    """The next reference of the call and department, e.g. FIPE-OCC-2023-031-004.

    Must run inside the transaction that creates the application: the counter row is
    incremented with a single UPDATE, which takes its row lock until commit, so two
    creations at once get consecutive numbers, and a rolled-back creation leaves no gap.
    """
    return allocate_references(call=call, department=department, count=1)[0]


def allocate_references(*, call: Call, department: Department, count: int) -> list[str]:
    """`count` consecutive references at once (for imports), under the same locking rule."""
    counter, _created = ReferenceCounter.objects.get_or_create(call=call, department=department)
    ReferenceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + count)
    last = ReferenceCounter.objects.values_list("last_number", flat=True).get(pk=counter.pk)
    return [f"{call.reference}-{department.padded_code}-{number:03d}" for number in range(last - count + 1, last + 1)]


def refuse_shared_applicant_changes(*, changes: dict[str, list[str]], by) -> dict[str, str]:
    """SIRET → why `by` may not make these changes to that applicant (none when all are allowed).

    `changes` maps the SIRET of known applicants to the names of the fields the user would
    change. Rule: a user changes an applicant only if they manage every file of it; else the
    applicant of another region would get this user's address and contact, and its letters
    with them. Pages, admin and import ask this one function.
    """
    sirets = [siret for siret, fields in changes.items() if fields]
    refused: dict[str, str] = {}
    for start in range(0, len(sirets), 2000):
        for applicant in Applicant.objects.filter(siret__in=sirets[start : start + 2000]).shared_beyond(by):
            labels = ", ".join(str(Applicant._meta.get_field(name).verbose_name) for name in changes[applicant.siret])
            refused[applicant.siret] = _(
                "Le porteur de SIRET %(siret)s a aussi des dossiers que vous ne gérez pas : vous ne pouvez pas "
                "modifier sa fiche (%(fields)s). Reprenez-la telle qu’elle est enregistrée ou demandez la "
                "modification à un administrateur."
            ) % {"siret": applicant.siret, "fields": labels}
    return refused


def create_application(
    *,
    call: Call,
    applicant: Applicant,
    department: Department,
    by,
    amounts_by_year: dict[int, Decimal],
    submit: bool = False,
    **fields,
) -> Application:
    """Record an application received by the services (outside any online form).

    `fields` are the Application's own fields (title, summary, commune, category, qpv,
    target_public, total_budget). With submit=True the application is submitted at once.
    """
    if not get_scope(by).can(Action.MANAGE, department):
        raise PermissionRefused(_("Vous ne pouvez pas saisir de dossier pour ce département."))
    if department.region_id != call.region_id:
        raise ValidationError({"department": _("Ce département n’appartient pas à la région de l’appel à projets.")})
    if not call.accepts_applications:
        raise ValidationError({"call": _("Cet appel à projets est clos : il n’accepte plus de dossier.")})
    with transaction.atomic():
        application = Application(call=call, applicant=applicant, department=department, **fields)
        application.reference = allocate_reference(call=call, department=department)
        application.full_clean(exclude=["reference"])
        application.save()
        application.set_requested_amounts(amounts_by_year)
        StatusChange.objects.create(
            application=application, from_status="", to_status=application.status, by=by, comment=_("Dossier créé")
        )
        if submit:
            application.submit(by=by)
    return application


def update_application(
    *, application: Application, applicant: Applicant, by, amounts_by_year: dict[int, Decimal], **fields
) -> Application:
    """Correct a file keyed in by the services, before its instruction starts.

    The call and the department are not among `fields`: the reference is made of them.
    """
    if not get_scope(by).can(Action.MANAGE, application.department_id):
        raise PermissionRefused(_("Vous ne pouvez pas modifier les dossiers de ce département."))
    application.check_editable()
    with transaction.atomic():
        application.applicant = applicant
        for name, value in fields.items():
            setattr(application, name, value)
        application.full_clean(exclude=["reference"])
        application.save()
        application.set_requested_amounts(amounts_by_year)
    return application


def attach_file(*, application: Application, uploaded_file, by, description: str = "") -> Attachment:
    """Store one attachment under a generated name, after checking its kind and size from its content."""
    if not get_scope(by).can(Action.MANAGE, application.department_id):
        raise PermissionRefused(_("Vous ne pouvez pas joindre de pièce aux dossiers de ce département."))
    content_type = validate_attachment(uploaded_file)
    attachment = Attachment(
        application=application,
        original_name=clean_file_name(uploaded_file.name),
        content_type=content_type,
        size=uploaded_file.size,
        sha256=file_sha256(uploaded_file),
        description=description.strip(),
        uploaded_by=by,
    )
    attachment.file.save("upload", uploaded_file, save=False)
    try:
        attachment.save()
    except Exception:
        # No row, no file: a failed save must not leave an orphan on disk.
        attachment.file.delete(save=False)
        raise
    return attachment
