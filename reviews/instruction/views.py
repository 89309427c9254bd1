"""Instruction pages: conflict-of-interest declaration, the Caf or DDETS review, reopening; the Instruction tab."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fipe.web import posted_data
from projects.enums import REVIEWABLE_STATUSES, Status
from projects.exceptions import DomainError
from reviews.access import application_or_404, kind_or_404
from reviews.enums import MeetingStatus, ReviewerKind
from reviews.instruction.forms import ConflictDeclarationForm, ReopenReviewForm, ReviewForm
from reviews.instruction.services import (
    amount_key,
    declare_conflict,
    reopen_review,
    save_review,
    score_key,
)
from reviews.models import CommitteeMeeting, ConflictDeclaration, Criterion, Review
from reviews.permissions import can_run_committee, declaration_of, is_reviewer, review_kinds, sees_summary_only

# Above this gap between the two weighted totals (out of 100), the committee is warned.
SCORE_GAP_WARNING = Decimal("20")


def _reviews_of(application) -> dict[str, Review]:
    reviews = Review.objects.filter(application=application).select_related("author")
    return {review.kind: review for review in reviews.prefetch_related("scores", "recommended_amounts")}


def review_sheet(*, application, criteria, reviews: dict[str, Review], requested: dict[int, Decimal]) -> dict:
    """Both reviews side by side: one column per body, rows per criterion and per programme year."""
    kinds = list(ReviewerKind)
    columns = []
    for kind in kinds:
        review = reviews.get(kind)
        amounts = {row.year: row.amount for row in review.recommended_amounts.all()} if review else {}
        columns.append(
            {
                "kind": kind,
                "review": review,
                "scores": {row.criterion_id: row.score for row in review.scores.all()} if review else {},
                "amounts": amounts,
                "recommended_total": sum(amounts.values(), Decimal("0")) if review else None,
            }
        )
    warnings = []
    caf, ddets = (reviews.get(kind) for kind in kinds)
    if caf and ddets and caf.is_submitted and ddets.is_submitted:
        gap = abs(caf.total - ddets.total)
        if gap > SCORE_GAP_WARNING:
            warnings.append(
                _("Écart de %(gap)s points entre la note de la Caf et celle de la DDETS (plus de %(limit)s).")
                % {"gap": str(gap).replace(".", ","), "limit": SCORE_GAP_WARNING}
            )
        if caf.opinion != ddets.opinion:
            warnings.append(
                _("Les avis divergent : Caf « %(caf)s », DDETS « %(ddets)s ».")
                % {"caf": caf.get_opinion_display(), "ddets": ddets.get_opinion_display()}
            )
    return {
        "columns": columns,
        "criteria_rows": [
            {"criterion": criterion, "scores": [column["scores"].get(criterion.pk) for column in columns]}
            for criterion in criteria
        ],
        "amount_rows": [
            {
                "year": year,
                "requested": requested.get(year, Decimal("0")),
                "amounts": [column["amounts"].get(year) for column in columns],
            }
            for year in application.call.programme_years
        ],
        "requested_total": sum(requested.values(), Decimal("0")),
        "warnings": warnings,
    }


def instruction_tab_context(application, user) -> dict:
    """Context of templates/reviews/_tab_instruction.html, in a constant number of queries.

    A reviewer who has not declared (or declared a conflict) gets `summary_only` and no review;
    the other body's draft is never shown, only its submitted review.
    """
    declaration = declaration_of(user, application)
    kinds = review_kinds(user, application.department_id)
    context = {
        "application": application,
        "declaration": declaration,
        "summary_only": sees_summary_only(user, application, declaration),
        "declare_url": reverse("reviews:declare", kwargs={"reference": application.reference}),
    }
    if context["summary_only"]:
        return {"instruction": context}
    reviews = {
        kind: review for kind, review in _reviews_of(application).items() if review.is_submitted or kind in kinds
    }
    criteria = list(Criterion.objects.filter(call_id=application.call_id))
    context.update(
        review_sheet(
            application=application, criteria=criteria, reviews=reviews, requested=application.requested_by_year()
        )
    )
    reviewable = application.status in REVIEWABLE_STATUSES
    context["my_reviews"] = [
        {
            "kind": kind,
            "url": reverse("reviews:review", kwargs={"reference": application.reference, "kind": kind}),
            "editable": reviewable and not (kind in reviews and reviews[kind].is_submitted),
            "started": kind in reviews,
        }
        for kind in kinds
        if declaration is not None and not declaration.has_conflict
    ]
    context["reopen_urls"] = (
        [
            {
                "kind": ReviewerKind(kind),
                "url": reverse("reviews:reopen", kwargs={"reference": application.reference, "kind": kind}),
            }
            for kind, review in reviews.items()
            if review.is_submitted
        ]
        if application.status == Status.REVIEWED and can_run_committee(user, application.department_id)
        else []
    )
    return {"instruction": context}


@require_http_methods(["GET", "POST"])
def declare(request, reference):
    """Conflict-of-interest declaration; until it is made, the instructor sees the summary only."""
    application = application_or_404(request.user, reference)
    if not is_reviewer(request.user, application):
        raise PermissionDenied
    declaration = ConflictDeclaration.objects.filter(user=request.user, application=application).first()
    kinds = review_kinds(request.user, application.department_id)
    form = ConflictDeclarationForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            declaration = declare_conflict(
                application=application,
                user=request.user,
                has_conflict=form.cleaned_data["has_conflict"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if declaration.has_conflict:
                messages.warning(
                    request, _("Votre conflit d’intérêts est enregistré : vous n’instruirez pas ce dossier.")
                )
                return redirect("reviews:declare", reference=application.reference)
            messages.success(request, _("Déclaration enregistrée : vous pouvez consulter et instruire le dossier."))
            if len(kinds) == 1 and application.status in REVIEWABLE_STATUSES:
                return redirect("reviews:review", reference=application.reference, kind=kinds[0])
            return redirect("reviews:declare", reference=application.reference)
    return render(
        request,
        "reviews/instruction/declare.html",
        {
            "application": application,
            "declaration": declaration,
            "form": form,
            "kinds": kinds,
            "reviewable": application.status in REVIEWABLE_STATUSES,
        },
    )


@require_http_methods(["GET", "POST"])
def review(request, reference, kind):
    """The Caf or the DDETS review of a file: scores, opinion, recommended amounts, comment; draft or submit."""
    application = application_or_404(request.user, reference)
    kind = kind_or_404(kind)
    if kind not in review_kinds(request.user, application.department_id):
        raise PermissionDenied
    declaration = ConflictDeclaration.objects.filter(user=request.user, application=application).first()
    if declaration is None:
        return redirect("reviews:declare", reference=application.reference)
    context = {"application": application, "kind": kind, "declaration": declaration}
    if declaration.has_conflict:
        return render(request, "reviews/instruction/conflict_blocked.html", context, status=403)
    reviews = _reviews_of(application)
    own = reviews.get(kind)
    criteria = list(Criterion.objects.filter(call_id=application.call_id))
    requested = application.requested_by_year()
    years = application.call.programme_years
    editable = application.status in REVIEWABLE_STATUSES and not (own and own.is_submitted)
    if request.method == "POST" and not editable:
        # A second click on « Transmettre », or a file that has left instruction meanwhile: say so.
        if own and own.is_submitted:
            messages.error(
                request,
                _("L’avis de la %(body)s est déjà transmis : il ne peut plus être modifié.") % {"body": kind.label},
            )
        else:
            messages.error(
                request,
                _("Le dossier est au statut « %(status)s » : son instruction n’est pas ouverte.")
                % {"status": application.get_status_display()},
            )
        return redirect("reviews:review", reference=application.reference, kind=kind)
    form = None
    if editable:
        initial = {}
        if own is not None:
            codes = {criterion.pk: criterion.code for criterion in criteria}
            initial = {score_key(codes[row.criterion_id]): row.score for row in own.scores.all()}
            initial.update({amount_key(row.year): row.amount for row in own.recommended_amounts.all()})
            initial.update(opinion=own.opinion, comment=own.comment)
        form = ReviewForm(
            posted_data(request),
            initial=initial,
            criteria=criteria,
            years=years,
            requested=requested,
        )
        if request.method == "POST" and form.is_valid():
            submit = request.POST.get("action") == "submit"
            try:
                save_review(
                    application=application,
                    author=request.user,
                    kind=kind,
                    scores=form.scores(),
                    opinion=form.cleaned_data["opinion"],
                    amounts_by_year=form.amounts(),
                    comment=form.cleaned_data["comment"],
                    submit=submit,
                )
            except ValidationError as error:
                form.add_error(None, error)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                if submit:
                    messages.success(request, _("Avis de la %(body)s transmis.") % {"body": kind.label})
                else:
                    messages.success(request, _("Brouillon enregistré."))
                return redirect("reviews:review", reference=application.reference, kind=kind)
    # The reviewer sees the other body's review once it is submitted, never its draft.
    visible = {other: item for other, item in reviews.items() if item.is_submitted or other == kind}
    context.update(
        form=form,
        own=own,
        sheet=review_sheet(application=application, criteria=criteria, reviews=visible, requested=requested),
        closed_reason=None
        if editable or (own and own.is_submitted)
        else _("Le dossier est au statut « %(status)s » : son instruction n’est pas ouverte.")
        % {"status": application.get_status_display()},
    )
    return render(request, "reviews/instruction/review.html", context)


@require_http_methods(["GET", "POST"])
def reopen(request, reference, kind):
    """The CDSF secretariat reopens a submitted review, with a reason kept in the file's history."""
    application = application_or_404(request.user, reference)
    kind = kind_or_404(kind)
    if not can_run_committee(request.user, application.department_id):
        raise PermissionDenied
    target = get_object_or_404(Review.objects.select_related("author"), application=application, kind=kind)
    target.application = application
    form = ReopenReviewForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            reopen_review(review=target, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Avis de la %(body)s rouvert : le dossier %(reference)s est de nouveau en instruction.")
                % {"body": kind.label, "reference": application.reference},
            )
            meeting = CommitteeMeeting.objects.filter(
                call_id=application.call_id, department_id=application.department_id, status=MeetingStatus.OPEN
            ).first()
            if meeting is not None:
                return redirect("reviews:meeting_detail", pk=meeting.pk)
            return redirect("reviews:meeting_list")
    return render(
        request, "reviews/instruction/reopen.html", {"application": application, "review": target, "form": form}
    )
