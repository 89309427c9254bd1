"""Awards and their funding lines, and the funding dashboard of a call (its approval: `approval_views`)."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from departments.enums import Action
from departments.permissions import get_scope
from fipe import freshness
from fipe.web import breadcrumb, next_or
from projects.awards.charts import Series, stacked_bars
from projects.awards.dashboard import call_dashboard
from projects.awards.forms import CommitmentForm, PaymentForm
from projects.awards.permissions import can_manage_award, visible_call
from projects.awards.services import record_payment, set_commitment_number
from projects.enums import Funder, Status
from projects.exceptions import DomainError
from projects.followup.dashboard import funder_year_table
from projects.followup.schedule import followups
from projects.models import Application, Award, FundingLine, Payment, Recovery
from projects.money import format_euros, requires_convention
from projects.shortcuts import visible_application

# Award and funding lines --------------------------------------------------------


def award_tab_context(application: Application, user, *, payment_form=None, commitment_form=None) -> dict:
    """What the « Subvention » tab of the application page shows, in a fixed number of queries.

    `award` is None when the application has no award. The forms are there only for users who
    may record commitment numbers and payments; a bound form passed in (after a refused
    submission) replaces the blank one so that its errors show.
    """
    joined, award = application.joined("award")
    if not joined:
        award = Award.objects.select_related("approved_by").filter(application=application).first()
    if award is None:
        return {"award": None}
    award.application = application
    # Per year, the State's line before the Cnaf's ("state" sorts after "cnaf").
    recovered = (
        Recovery.objects.filter(line=OuterRef("pk")).order_by().values("line").annotate(t=Sum("amount")).values("t")
    )
    lines = list(
        FundingLine.objects.filter(award=award)
        .with_paid()
        .annotate(recovered=Subquery(recovered, output_field=DecimalField(max_digits=14, decimal_places=2)))
        .order_by("year", "-funder")
    )
    lines_by_pk = {line.pk: line for line in lines}
    payments = list(Payment.objects.filter(line__award=award).select_related("recorded_by").order_by("paid_on", "pk"))
    for payment in payments:
        payment.line = lines_by_pk[payment.line_id]
    can_manage = can_manage_award(user, application)
    rows = []
    for line in lines:
        form = None
        if can_manage:
            if commitment_form is not None and commitment_form.line.pk == line.pk:
                form = commitment_form
            else:
                form = CommitmentForm(line=line, prefix=f"line{line.pk}")
        rows.append({"line": line, "commitment_form": form})
    paid = sum((line.paid for line in lines), Decimal("0"))
    if can_manage and payment_form is None and any(line.remaining > 0 for line in lines):
        payment_form = PaymentForm(lines=lines)
    amounts = list(award.amounts.all())
    return {
        "award": award,
        "award_amounts": amounts,
        "award_requires_convention": requires_convention(amount.amount for amount in amounts),
        "award_lines": rows,
        "award_payments": payments,
        "award_paid": paid,
        "award_remaining": award.total - paid,
        "award_can_manage": can_manage,
        "award_payment_form": payment_form if can_manage else None,
    }


def _render_award(request, application, status=200, **forms):
    context = award_tab_context(application, request.user, **forms)
    if context["award"] is None:
        raise Http404(_("Ce dossier n’a pas de subvention attribuée."))
    here = reverse("projects:award_detail", args=[application.reference])
    return render(
        request,
        "projects/awards/award_detail.html",
        {
            "application": application,
            # After a refused form the page is rendered at the form's address: go back where the user was.
            "award_next": next_or(request, here) if request.method == "POST" else request.get_full_path(),
            "breadcrumb_data": breadcrumb(
                _("Subvention %(reference)s") % {"reference": application.reference},
                (_("Financements"), reverse("projects:funding_dashboard", args=[application.call.reference])),
            ),
            **context,
        },
        status=status,
    )


@require_GET
def award_detail(request, reference):
    return _render_award(request, visible_application(request.user, reference))


def _managed_line(request, reference, line_pk) -> tuple[Application, FundingLine]:
    application = visible_application(request.user, reference)
    line = get_object_or_404(FundingLine, pk=line_pk, award__application=application)
    if not can_manage_award(request.user, application):
        raise PermissionDenied
    return application, line


@require_POST
def award_commitment(request, reference, line):
    application, line = _managed_line(request, reference, line)
    form = CommitmentForm(request.POST, line=line, prefix=f"line{line.pk}")
    if form.is_valid():
        try:
            set_commitment_number(line=line, by=request.user, number=form.cleaned_data["number"])
        except DomainError as error:
            form.add_error("number", error.message)
        else:
            messages.success(request, _("Numéro d’engagement de la ligne %(line)s enregistré.") % {"line": line.label})
            return redirect(next_or(request, reverse("projects:award_detail", args=[application.reference])))
    return _render_award(request, application, status=400, commitment_form=form)


@require_POST
def award_payment(request, reference):
    application = visible_application(request.user, reference)
    if not can_manage_award(request.user, application):
        raise PermissionDenied
    lines = list(FundingLine.objects.filter(award__application=application).with_paid())
    if not lines:
        raise Http404(_("Ce dossier n’a pas de subvention attribuée."))
    form = PaymentForm(request.POST, lines=lines)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = record_payment(
                line=data["line"],
                by=request.user,
                paid_on=data["paid_on"],
                amount=data["amount"],
                reference=data["reference"],
            )
        except DomainError as error:
            form.add_error("amount", error.message)
        else:
            messages.success(
                request,
                _("Versement de %(amount)s enregistré sur la ligne %(line)s.")
                % {"amount": format_euros(payment.amount), "line": data["line"].label},
            )
            return redirect(next_or(request, reverse("projects:award_detail", args=[application.reference])))
    return _render_award(request, application, status=400, payment_form=form)


# Funding dashboard --------------------------------------------------------------

FUNDER_SERIES = [Series(Funder.STATE, Funder.STATE.label, "solid"), Series(Funder.CNAF, Funder.CNAF.label, "hatched")]
CONSUMPTION_SERIES = [
    Series("paid", _("Versé"), "solid"),
    Series("to_pay", _("Engagé, reste à verser"), "hatched"),
    Series("remaining", _("Reste à engager"), "outlined"),
]


def _department_chart(dashboard):
    rows = [
        (
            str(row.department),
            {Funder.STATE: row.state, Funder.CNAF: row.cnaf},
            format_euros(row.committed),
            None,
        )
        for row in dashboard.by_department
    ]
    return stacked_bars(
        chart_id="chart-departments",
        title=_("Montants engagés par département, par financeur"),
        description=_(
            "Une barre par département, toutes à la même échelle, partagée entre la part de l’État (pleine) et "
            "celle de la Cnaf (hachurée). Les chiffres figurent dans le tableau qui suit."
        ),
        series=FUNDER_SERIES,
        rows=rows,
    )


def _consumption_chart(dashboard):
    rows = []
    for label, figures in [(_("Total"), dashboard.total), *dashboard.funder_rows]:
        values = {"paid": figures.paid, "to_pay": figures.to_pay, "remaining": max(figures.remaining, Decimal("0"))}
        note = _("%(percent)s %% engagé") % {"percent": number_format(figures.consumed_percent, 1)}
        rows.append((label, values, note, figures.envelope))
    return stacked_bars(
        chart_id="chart-consumption",
        title=_("Consommation de l’enveloppe"),
        description=_(
            "Pour l’appel et pour chaque financeur, l’enveloppe partagée entre le versé (plein), l’engagé restant à "
            "verser (hachuré) et le reste à engager (contour seul). Les chiffres figurent dans le tableau qui suit."
        ),
        series=CONSUMPTION_SERIES,
        rows=rows,
    )


def funding_figures(call, *, department_ids, can_approve: bool) -> str:
    """The dashboard's figures, charts and laureates for the departments `department_ids`, as HTML."""
    dashboard = call_dashboard(call, department_ids=department_ids)
    zero = Value(Decimal("0"), output_field=DecimalField())
    laureates = (
        Award.objects.filter(application__call=call, application__department_id__in=department_ids)
        .select_related("application__department", "application__applicant")
        .annotate(paid=Coalesce(Sum("lines__payments__amount"), zero))
        .annotate(to_pay=ExpressionWrapper(F("total") - F("paid"), output_field=DecimalField()))
        .order_by("application__department__code", "application__reference")
    )
    waiting = Application.objects.filter(call=call, department_id__in=department_ids, status=Status.PROPOSED).aggregate(
        count=Count("pk"), total=Coalesce(Sum("proposal__proposed_total"), zero)
    )
    return render_to_string(
        "projects/awards/_funding_figures.html",
        {
            "call": call,
            "dashboard": dashboard,
            "laureates": laureates,
            "waiting": waiting,
            "department_chart": _department_chart(dashboard),
            "consumption_chart": _consumption_chart(dashboard) if dashboard.complete else None,
            "can_approve": can_approve,
            # The payment schedule's figures, from the follow-up's one rule.
            "schedule": funder_year_table(
                followups(application__call=call, application__department_id__in=department_ids)
            ),
        },
    )


@require_GET
def funding_dashboard(request, reference):
    """The dashboard as its visitor saw it last while no data has changed since; its figures are shared by
    everyone who sees the same departments."""

    def page() -> dict:
        call = visible_call(request.user, reference)
        scope = get_scope(request.user)
        department_ids, can_approve = scope.department_ids(Action.VIEW), scope.can_anywhere(Action.APPROVE)
        figures = freshness.cached(
            "funding-dashboard",
            (call.pk, sorted(department_ids), can_approve),
            lambda: funding_figures(call, department_ids=department_ids, can_approve=can_approve),
        )
        return {"reference": call.reference, "figures": figures}

    parts = freshness.cached("funding-dashboard-page", freshness.visit(request), page)
    return render(
        request,
        "projects/awards/funding_dashboard.html",
        {
            **parts,
            "breadcrumb_data": breadcrumb(parts["reference"], (_("Financements"), reverse("projects:funding_calls"))),
        },
    )
