"""The journal's ears: one receiver per act that a model signal already announces.

Connected in `ProjectsConfig.ready()`. Acts without a signal (bulk transitions, imports,
exports, letters marked as sent, API tokens) call `record` where they happen. The apps built on
this one (instruction, committee) connect receivers of their own for their acts.
"""

from projects.enums import Status
from projects.journal.context import current_actor
from projects.journal.models import JournalAct
from projects.journal.services import record, transition_data
from projects.models import Award


def signed_in(sender, request, user, **kwargs):
    record(actor=user, act=JournalAct.SIGN_IN, obj=user)


def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Never the password: only the name that was tried.
    record(actor=None, act=JournalAct.SIGN_IN_FAILED, data={"username": str(credentials.get("username", ""))[:150]})


TRANSITION_ACTS = {Status.LAUREATE: JournalAct.APPROVAL, Status.REJECTED: JournalAct.REJECTION}


def status_changed(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    data = transition_data(instance)
    act = TRANSITION_ACTS.get(instance.to_status, JournalAct.TRANSITION)
    if act == JournalAct.APPROVAL:
        # approve_laureate writes the award before the move; the amounts are what the approval decides.
        award = Award.objects.filter(application_id=instance.application_id).first()
        if award is not None:
            data["total"] = award.total
            data["amounts"] = {str(row.year): row.amount for row in award.amounts.all()}
    record(actor=instance.by or instance.by_applicant or None, act=act, obj=instance.application, data=data)


def payment_recorded(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    line = instance.line
    application = line.award.application
    record(
        actor=instance.recorded_by,
        act=JournalAct.PAYMENT,
        obj=instance,
        application=application,
        data={
            "application": application.reference,
            "funder": line.funder,
            "year": line.year,
            "amount": instance.amount,
            "paid_on": instance.paid_on,
            "reference": instance.reference,
        },
    )


def letter_saved(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    record(
        actor=instance.generated_by,
        act=JournalAct.LETTER_GENERATED,
        obj=instance,
        data={"kind": instance.kind, "version": instance.version, "sha256": instance.sha256},
    )


def membership_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    record(
        actor=current_actor(),
        act=JournalAct.MEMBERSHIP_ADDED if created else JournalAct.MEMBERSHIP_CHANGED,
        obj=instance,
        data={"user": instance.user.get_username(), "organisation": instance.organisation_id, "role": instance.role},
    )


def membership_deleted(sender, instance, **kwargs):
    record(
        actor=current_actor(),
        act=JournalAct.MEMBERSHIP_REMOVED,
        obj=instance,
        data={"user": instance.user.get_username(), "organisation": instance.organisation_id, "role": instance.role},
    )


def signatory_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    record(
        actor=current_actor(),
        act=JournalAct.SIGNATORY_CHANGED,
        obj=instance,
        data={
            "created": created,
            "organisation": instance.organisation_id,
            "name": f"{instance.first_name} {instance.last_name}",
            "capacity": instance.capacity,
            "is_active": instance.is_active,
        },
    )


def signatory_deleted(sender, instance, **kwargs):
    record(
        actor=current_actor(),
        act=JournalAct.SIGNATORY_CHANGED,
        obj=instance,
        data={"deleted": True, "organisation": instance.organisation_id, "name": instance.full_name},
    )


def token_deleted(sender, instance, **kwargs):
    # Deleting its service account (or its user) deletes a token: for the journal, a revocation like another.
    if instance.revoked_at is None:
        record(
            actor=current_actor(),
            act=JournalAct.TOKEN_REVOKED,
            obj=instance,
            data={"name": instance.name, "deleted": True},
        )


def connect() -> None:
    from django.contrib.auth.signals import user_logged_in, user_login_failed
    from django.db.models.signals import post_delete, post_save

    user_logged_in.connect(signed_in, dispatch_uid="journal.sign_in")
    user_login_failed.connect(sign_in_failed, dispatch_uid="journal.sign_in_failed")
    for sender, receiver in (
        ("projects.StatusChange", status_changed),
        ("projects.Payment", payment_recorded),
        ("projects.DecisionLetter", letter_saved),
        ("departments.Membership", membership_saved),
        ("projects.Signatory", signatory_saved),
    ):
        post_save.connect(receiver, sender=sender, dispatch_uid=f"journal.{receiver.__name__}")
    for sender, receiver in (
        ("departments.Membership", membership_deleted),
        ("projects.Signatory", signatory_deleted),
        ("projects.ApiToken", token_deleted),
    ):
        post_delete.connect(receiver, sender=sender, dispatch_uid=f"journal.{receiver.__name__}")
