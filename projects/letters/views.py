"""Decision letters: preview, generation, download and sending per application; batches per call."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from fipe.typography import typeset_html
from fipe.web import posted_data, stored_file_response
from projects.enums import AWARDED_STATUSES, DECIDED_STATUSES, BatchStatus, LetterKind, Status
from projects.exceptions import DomainError
from projects.letters.forms import LetterBatchForm
from projects.letters.pipeline import (
    FILE_LABELS,
    LetterSources,
    check_eligible,
    eligible_kind,
    generate_letter,
    letter_applications,
    letters_to_send,
    mark_letter_sent,
    mark_letters_sent,
    render_letter_html,
)
from projects.letters.tasks import start_letter_batch
from projects.models import Application, Call, DecisionLetter, LetterBatch
from projects.notifications.events import letter_goes_attached
from projects.notifications.services import messages_about
from projects.shortcuts import visible_application

# Rules ----------------------------------------------------------------------


def require_issue_letters(user, department_id: int) -> None:
    """Generating, sending and batches need ISSUE_LETTERS on the department (regional prefecture, admins): 403."""
    if not get_scope(user).can(Action.ISSUE_LETTERS, department_id):
        raise PermissionDenied(_("Vous n’avez pas le droit d’éditer les courriers de ce département."))


def region_department_ids(region_id: int) -> frozenset[int]:
    return frozenset(Department.objects.filter(region_id=region_id).values_list("pk", flat=True))


def require_issue_letters_in_region(user, region_ids: frozenset[int]) -> frozenset[int]:
    """The letters pages of a call need ISSUE_LETTERS on at least one department of its region: 403 otherwise."""
    allowed = get_scope(user).department_ids(Action.ISSUE_LETTERS) & region_ids
    if not allowed:
        raise PermissionDenied(_("Vous n’avez pas le droit d’éditer les courriers de cet appel à projets."))
    return allowed


def visible_batch(user, pk: int) -> LetterBatch:
    """A batch shows to whoever may issue letters for all it covers: its department, or for a whole call
    every department of the call's region. Anyone else gets 404, as its report names applications."""
    batch = get_object_or_404(LetterBatch.objects.select_related("call", "department", "requested_by"), pk=pk)
    allowed = get_scope(user).department_ids(Action.ISSUE_LETTERS)
    if batch.department_id is not None:
        covered = batch.department_id in allowed
    else:
        covered = region_department_ids(batch.call.region_id) <= allowed
    if not covered:
        raise Http404
    return batch


# The letters of one application ------------------------------------------------


def letters_tab_context(application: Application, user) -> dict:
    """Context of templates/projects/_tab_letters.html (two queries: the letters, the user's scope)."""
    scope = get_scope(user)
    letters = list(application.letters.select_related("generated_by", "signatory").order_by("kind", "-version"))
    kind = eligible_kind(application)
    can_issue = scope.can(Action.ISSUE_LETTERS, application.department_id)
    # The latest version of the letter the status calls for: the one to send.
    latest = next((letter for letter in letters if letter.kind == kind), None)
    mails = messages_about(DecisionLetter, [letter.pk for letter in letters if letter.sent_at])
    for letter in letters:
        letter.mails = mails.get(letter.pk, [])
    return {
        "letters_tab": {
            "application": application,
            "kind": kind,
            "kind_label": LetterKind(kind).label if kind else "",
            "letters": letters,
            "latest": latest,
            "can_generate": can_issue and kind is not None,
            "can_send": can_issue and latest is not None and latest.sent_at is None,
        }
    }


@require_GET
def application_letters(request, reference):
    application = visible_application(request.user, reference, Application.objects.select_related("call"))
    return render(
        request,
        "projects/letters/application_letters.html",
        {"application": application, **letters_tab_context(application, request.user)},
    )


@require_GET
def letter_preview(request, reference, kind):
    application = visible_application(request.user, reference, letter_applications())
    if kind not in LetterKind.values:
        raise Http404
    try:
        check_eligible(application, kind)
        sources = LetterSources.for_call(application.call, signing=False)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("projects:application_letters", reference=reference)
    # Set in French as the PDF is (fipe.pdf): the preview shows the spaces and apostrophes the letter will print.
    return HttpResponse(typeset_html(render_letter_html(application, kind, sources, preview=True)))


@require_POST
def letter_generate(request, reference, kind):
    application = visible_application(request.user, reference)
    require_issue_letters(request.user, application.department_id)
    if kind not in LetterKind.values:
        raise Http404
    try:
        letter = generate_letter(application=application, kind=kind, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(kind)s version %(version)s produite (empreinte SHA-256 %(sha)s…).")
            % {"kind": letter.get_kind_display(), "version": letter.version, "sha": letter.sha256[:12]},
        )
    return redirect("projects:application_letters", reference=reference)


@require_GET
def letter_download(request, reference, pk):
    application = visible_application(request.user, reference)
    letter = get_object_or_404(DecisionLetter, pk=pk, application=application)
    name = f"{application.reference}-{FILE_LABELS[letter.kind]}-v{letter.version}.pdf"
    return stored_file_response(letter.file, filename=name, content_type="application/pdf")


# What sending a letter of each kind does to its file, as its success message says.
SENT_OUTCOMES = {
    LetterKind.AWARD: gettext_lazy("le lauréat est notifié."),
    LetterKind.REFUSAL: gettext_lazy(
        "le dossier reste rejeté ; le porteur voit désormais la décision dans son espace."
    ),
}


@require_POST
def letter_mark_sent(request, reference, pk):
    application = visible_application(request.user, reference)
    require_issue_letters(request.user, application.department_id)
    letter = get_object_or_404(DecisionLetter, pk=pk, application=application)
    try:
        mark_letter_sent(letter=letter, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        contact = application.applicant.contact_email
        if contact:
            sent = (
                _("Lettre envoyée par courriel à %(contact)s, PDF joint")
                if letter_goes_attached(letter)
                else _(
                    "Lettre envoyée par courriel à %(contact)s, avec un lien de téléchargement (le PDF est trop "
                    "lourd pour être joint)"
                )
            )
            messages.success(request, f"{sent % {'contact': contact}} : {SENT_OUTCOMES[letter.kind]}")
        else:
            messages.warning(
                request,
                _(
                    "Le porteur n’a pas d’adresse électronique : aucun courriel n’est parti. La lettre est "
                    "enregistrée comme envoyée ; transmettez-la par courrier postal."
                ),
            )
    return redirect("projects:application_letters", reference=reference)


# Calls and batches ------------------------------------------------------------


@require_GET
def letters_home(request):
    """The calls whose letters the user may issue, with what remains to do in each."""
    allowed = get_scope(request.user).department_ids(Action.ISSUE_LETTERS)
    if not allowed:
        raise PermissionDenied(_("Vous n’avez pas le droit d’éditer les courriers de décision."))
    calls = list(Call.objects.filter(region__departments__in=allowed).distinct().select_related("region"))
    has_award = Exists(DecisionLetter.objects.filter(application=OuterRef("pk"), kind=LetterKind.AWARD))
    has_refusal = Exists(DecisionLetter.objects.filter(application=OuterRef("pk"), kind=LetterKind.REFUSAL))
    letter_to_send = Exists(DecisionLetter.objects.to_send().filter(application=OuterRef("pk")))
    rows = (
        Application.objects.filter(call__in=calls, department_id__in=allowed, status__in=DECIDED_STATUSES)
        .values("call_id")
        .annotate(
            laureates=Count("pk", filter=Q(status__in=AWARDED_STATUSES)),
            awards_missing=Count("pk", filter=Q(status__in=AWARDED_STATUSES) & ~Q(has_award)),
            to_send=Count("pk", filter=Q(letter_to_send)),
            notified=Count("pk", filter=Q(status=Status.NOTIFIED)),
            rejected=Count("pk", filter=Q(status=Status.REJECTED)),
            refusals_missing=Count("pk", filter=Q(status=Status.REJECTED) & ~Q(has_refusal)),
        )
        .order_by()
    )
    counts = {row["call_id"]: row for row in rows}
    for call in calls:
        call.letter_counts = counts.get(call.pk, {})
    return render(request, "projects/letters/home.html", {"calls": calls})


@require_http_methods(["GET", "POST"])
def call_letters(request, call_reference):
    """The letters of a call: start a batch, follow the batches, see each application's letters."""
    call = get_object_or_404(Call.objects.visible_to(request.user).select_related("region"), reference=call_reference)
    region_ids = region_department_ids(call.region_id)
    allowed = require_issue_letters_in_region(request.user, region_ids)
    whole_region = region_ids <= allowed
    form = LetterBatchForm(posted_data(request), allowed=allowed, whole_region=whole_region)
    if request.method == "POST" and form.is_valid():
        batch, created = start_letter_batch(
            call=call, department=form.cleaned_data["department"], kind=form.cleaned_data["kind"], by=request.user
        )
        if created:
            messages.success(
                request, _("Lot de courriers lancé : vous pouvez fermer cette page, il continue sans vous.")
            )
        else:
            messages.info(request, _("Ce lot est déjà en cours : voici son avancement, inutile de le relancer."))
        return redirect("projects:letter_batch", pk=batch.pk)
    in_scope = Q(department_id__in=allowed)
    if whole_region:
        in_scope |= Q(department__isnull=True)
    batches = list(LetterBatch.objects.filter(in_scope, call=call).select_related("department", "requested_by")[:10])
    now = timezone.now()
    for batch in batches:
        batch.interrupt_if_stale(now=now)
    applications = (
        Application.objects.filter(call=call, department_id__in=allowed, status__in=DECIDED_STATUSES)
        .select_related("applicant", "department")
        .annotate(
            award_version=Max("letters__version", filter=Q(letters__kind=LetterKind.AWARD)),
            refusal_version=Max("letters__version", filter=Q(letters__kind=LetterKind.REFUSAL)),
            sent_at=Max("letters__sent_at"),
        )
        .order_by("reference")
    )
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    to_send = {letter.application_id: letter.pk for letter in letters_to_send(call=call, department_ids=allowed)}
    page.object_list = list(page.object_list)
    for application in page.object_list:
        application.letter_to_send = to_send.get(application.pk)
    return render(
        request,
        "projects/letters/call_letters.html",
        {"call": call, "form": form, "batches": batches, "page": page, "to_send": to_send},
    )


@require_POST
def call_letters_mark_sent(request, call_reference):
    """Send the letters ticked on the call's page, or every one still to send (`all`), awards and refusals alike."""
    call = get_object_or_404(Call.objects.visible_to(request.user), reference=call_reference)
    allowed = require_issue_letters_in_region(request.user, region_department_ids(call.region_id))
    waiting = {str(letter.pk): letter for letter in letters_to_send(call=call, department_ids=allowed)}
    if request.POST.get("all"):
        chosen = list(waiting.values())
    else:
        posted = request.POST.getlist("letters")
        unknown = [pk[:20] for pk in posted if pk not in waiting]
        if unknown:
            messages.error(
                request,
                _("Lettres introuvables ou déjà envoyées (n° %(ids)s) : aucune lettre n’a été envoyée.")
                % {"ids": ", ".join(unknown)},
            )
            return redirect("projects:call_letters", call_reference=call.reference)
        chosen = [waiting[pk] for pk in posted]
    # Read before sending: a corrected letter to a laureate notified earlier notifies nobody.
    laureates = sum(letter.application.status == Status.LAUREATE for letter in chosen)
    try:
        sent = mark_letters_sent(letters=chosen, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, sent_summary(sent, newly_notified=laureates))
    return redirect("projects:call_letters", call_reference=call.reference)


def sent_summary(sent: list[DecisionLetter], *, newly_notified: int) -> str:
    """« 3 lettres envoyées à leurs porteurs : 2 lauréats sont notifiés. »; refusal letters and corrected
    award letters notify no laureate."""
    summary = ngettext(
        "%(count)d lettre envoyée à son porteur", "%(count)d lettres envoyées à leurs porteurs", len(sent)
    ) % {"count": len(sent)}
    if newly_notified:
        notified = ngettext("%(count)d lauréat est notifié", "%(count)d lauréats sont notifiés", newly_notified)
        summary += " : " + notified % {"count": newly_notified}
    return summary + "."


@require_GET
def letter_batch(request, pk):
    batch = visible_batch(request.user, pk)
    batch.interrupt_if_stale(now=timezone.now())
    return render(request, "projects/letters/batch.html", {"batch": batch, **batch_progress(batch)})


def batch_progress(batch: LetterBatch) -> dict:
    """What the batch page and its JSON say of a batch; the page's script refreshes each field from the JSON."""
    processed = batch.done + batch.failed + batch.skipped
    finished = batch.status in (BatchStatus.DONE, BatchStatus.FAILED)
    # A failed or interrupted batch shows how far it went; a done one is complete, even with nothing to do.
    if batch.status == BatchStatus.DONE:
        percent = 100
    elif batch.total:
        percent = round(100 * processed / batch.total)
    else:
        percent = 0
    return {
        "status": batch.status,
        "status_label": str(batch.get_status_display()),
        "total": batch.total,
        "done": batch.done,
        "failed": batch.failed,
        "skipped": batch.skipped,
        "processed": processed,
        "percent": percent,
        "finished": finished,
        "summary": batch_summary(batch, processed),
        "note": str(BATCH_NOTES.get(batch.status, "")),
    }


# What the user can do while a batch is in each state; a finished batch speaks through its report.
BATCH_NOTES = {
    BatchStatus.PENDING: gettext_lazy(
        "En attente : le service de tâches en arrière-plan (manage.py db_worker) prend le lot en charge dès "
        "qu’il est libre. Vous pouvez fermer cette page."
    ),
    BatchStatus.RUNNING: gettext_lazy(
        "Le lot se poursuit en arrière-plan : vous pouvez fermer cette page et y revenir depuis les courriers "
        "de l’appel."
    ),
}


def batch_summary(batch: LetterBatch, processed: int) -> str:
    """« 10 courriers traités sur 22 : 9 produits, 1 déjà présent, 0 en échec. », with French plurals."""
    counted = ngettext(
        "%(processed)d courrier traité sur %(total)d", "%(processed)d courriers traités sur %(total)d", processed
    ) % {"processed": processed, "total": batch.total}
    done = ngettext("%(count)d produit", "%(count)d produits", batch.done) % {"count": batch.done}
    skipped = ngettext("%(count)d déjà présent", "%(count)d déjà présents", batch.skipped) % {"count": batch.skipped}
    failed = _("%(count)d en échec") % {"count": batch.failed}
    return f"{counted} : {done}, {skipped}, {failed}."


@require_GET
def letter_batch_progress(request, pk):
    batch = visible_batch(request.user, pk)
    batch.interrupt_if_stale(now=timezone.now())
    return JsonResponse(batch_progress(batch))


@require_GET
def letter_batch_archive(request, pk):
    batch = visible_batch(request.user, pk)
    if not batch.archive:
        raise Http404
    name = f"{batch.call.reference}-courriers-lot-{batch.pk}.zip"
    return stored_file_response(batch.archive, filename=name, content_type="application/zip")
