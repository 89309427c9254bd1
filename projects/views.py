"""Pages of applications: list, detail and its tabs, status changes, attachments (keying in and editing:
projects.editing; the calls' pages: projects.call_views).

Every page starts from `Application.objects.visible_to(user)`: another department's application answers
404, never its content.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fipe import freshness
from fipe.web import breadcrumb, main_part, posted_data, stored_file_response
from projects.applicants.services import public_label
from projects.enums import Status
from projects.exceptions import DomainError
from projects.filters import ApplicationFilter
from projects.forms import AttachmentForm, ReasonForm
from projects.models import Application, JournalEntry
from projects.money import format_euros
from projects.permissions import (
    can_add_attachment,
    can_edit_application,
    can_key_in_applications,
)
from projects.services import attach_file
from projects.shortcuts import visible_application
from projects.tabs import open_tab, tabs_for, with_file
from projects.templatetags.applications import status_badge
from projects.workflow import TRANSITIONS
from projects.worklists import list_columns_for

PAGE_SIZE = 50

# The moves offered as buttons on the detail page: those that need nothing but a comment.
# The other moves carry data entered on their own capability's pages, which make them:
# request_information with its message (« Échanges » tab), mark_reviewed when both reviews are in,
# propose/not_propose when the committee closes, approve/reject on the approval screen, notify when the letter is sent.
PAGE_TRANSITIONS = ("submit", "start_review", "information_provided", "withdraw")


# The application pages show the amounts requested in several places: read them with the file.
WITH_AMOUNTS = Application.objects.select_related("call", "applicant", "department").prefetch_related(
    "requested_amounts"
)


def detail_url(application: Application, tab: str | None = None) -> str:
    url = reverse("projects:application_detail", kwargs={"reference": application.reference})
    return f"{url}?{urlencode({'onglet': tab})}" if tab else url


def list_link() -> tuple:
    return (_("Dossiers"), reverse("projects:application_list"))


def application_link(application: Application) -> tuple:
    return (application.reference, detail_url(application))


# — Application list ————————————————————————————————————————————————————————————————


def status_counts(queryset) -> tuple[list[dict], dict]:
    """One row per status in workflow order (count and amount requested), and the total; one query."""
    found = {
        row["status"]: row
        for row in queryset.order_by().values("status").annotate(count=Count("pk"), requested=Sum("requested_total"))
    }
    rows = [
        {
            "status": status,
            "label": status.label,
            "count": found.get(status, {}).get("count", 0),
            "requested": found.get(status, {}).get("requested") or Decimal("0"),
        }
        for status in Status
    ]
    total = {"count": sum(row["count"] for row in rows), "requested": sum(row["requested"] for row in rows)}
    return rows, total


SORTABLE_COLUMNS = {"reference": "reference", "date": "date", "amount": "amount", "status": "status"}


def sort_headers(current: str) -> dict[str, dict]:
    """For each sortable column: the sort a click on its header asks for, and aria-sort now."""
    headers = {}
    for column in SORTABLE_COLUMNS:
        if current == column:
            headers[column] = {"next": f"-{column}", "aria": "ascending"}
        elif current == f"-{column}":
            headers[column] = {"next": column, "aria": "descending"}
        else:
            headers[column] = {"next": column, "aria": "none"}
    if not current:
        headers["reference"] = {"next": "-reference", "aria": "ascending"}
    return headers


class ListRow:
    """One line of the application list, its cells computed once here rather than by tags in the loop.

    A plain class: page_has_errors looks for forms inside the context's dataclasses, and a line holds none.
    """

    __slots__ = (
        "reference",
        "url",
        "title",
        "commune",
        "qpv",
        "applicant",
        "department",
        "amount",
        "badge",
        "cells",
        "submitted",
    )

    def __init__(self, application: Application, columns: list, address: str):
        self.reference = application.reference
        self.url = address.replace("REFERENCE", application.reference)
        self.title = application.title
        self.commune = application.commune
        self.qpv = application.qpv
        self.applicant = application.applicant.legal_name
        self.department = application.department.name
        self.amount = format_euros(application.requested_total)
        self.badge = status_badge(application.status, small=True)
        self.cells = [column.cell(application) for column in columns]
        submitted = application.submitted_at
        self.submitted = localtime(submitted).strftime("%d/%m/%Y") if submitted else "—"


def list_rows(applications, columns) -> list[ListRow]:
    # References are slugs: one reverse gives the address every line follows.
    address = reverse("projects:application_detail", kwargs={"reference": "REFERENCE"})
    return [ListRow(application, columns, address) for application in applications]


@require_GET
def application_list(request):
    """The list as its visitor saw it last, while no data has changed since; read and rendered otherwise."""
    parts = freshness.cached("application-list", freshness.visit(request), lambda: list_part(request))
    return render(request, "projects/application_list.html", {**parts, "breadcrumb_data": breadcrumb(_("Dossiers"))})


def list_part(request) -> dict:
    base = Application.objects.visible_to(request.user)
    filterset = ApplicationFilter(request.GET, queryset=base.select_related("applicant", "department"), request=request)
    columns = list_columns_for(request.user)
    listed = filterset.qs
    for column in columns:
        listed = column.annotate(listed, request.user)
    paginator = Paginator(listed, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.pages_list = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    rows, total = status_counts(filterset.narrowed_without_status(base))
    context = {
        "filter": filterset,
        "columns": columns,
        "page_obj": page,
        "rows": list_rows(page, columns),
        "status_rows": rows,
        "status_total": total,
        "current_status": filterset.form.cleaned_data.get("status") if filterset.is_valid() else "",
        "headers": sort_headers(request.GET.get("sort", "")),
        "can_key_in": can_key_in_applications(request.user),
    }
    return main_part(request, "projects/_application_list_main.html", context)


# — Application detail and its tabs —————————————————————————————————————————————————


@dataclass
class TabPanel:
    id: str
    label: Promise | str
    template: str
    context: dict = field(default_factory=dict)


@dataclass
class TabLink:
    id: str
    label: Promise | str
    url: str
    current: bool


def file_tab_context(application: Application, user) -> dict:
    requested = application.requested_by_year()
    transitions = [t for t in application.allowed_transitions(user) if t.name in PAGE_TRANSITIONS]
    return {
        "requested_rows": [(year, requested.get(year)) for year in application.call.programme_years],
        "public_status_label": public_label(application),
        "transitions": transitions,
        "can_edit": can_edit_application(user, application),
    }


def attachments_tab_context(application: Application, user) -> dict:
    return {
        "attachments": list(application.attachments.select_related("uploaded_by")),
        "upload_form": AttachmentForm() if can_add_attachment(user, application) else None,
    }


def history_tab_context(application: Application, user) -> dict:
    return {
        "status_changes": list(application.status_changes.select_related("by")),
        "journal_entries": list(JournalEntry.objects.for_application(application)),
    }


def detail_parts(request, application: Application, *, selected: str | None = None, overrides=None) -> dict:
    """The detail page of one file showing one tab, as text: its title, its main part, whether a form there
    holds errors. `overrides` replaces parts of the tab's context (a bound form with its errors).

    Each tab is its own address (`?onglet=historique`) and only the shown tab reads its data:
    the page costs the same few queries whichever tab is open, and every tab is a plain link
    that the keyboard and screen readers reach like any other.
    """
    tabs = tabs_for(request.user, application)
    selected = selected or request.GET.get("onglet")
    tab = open_tab(tabs, selected)
    panel = TabPanel(
        tab.id, tab.label, tab.template, {**tab.context(application, request.user), **(overrides or {}).get(tab.id, {})}
    )
    # The first tab is the page's own address, without a parameter.
    links = [
        TabLink(other.id, other.label, detail_url(application, None if other is tabs[0] else other.id), other is tab)
        for other in tabs
    ]
    context = {"application": application, "tabs": links, "panel": panel}
    return {
        **main_part(request, "projects/_application_main.html", context),
        "reference": application.reference,
        "title": f"{panel.label} — {application.reference}",
    }


def render_detail(request, application: Application, *, selected: str | None = None, overrides=None):
    return detail_page(request, detail_parts(request, application, selected=selected, overrides=overrides))


def detail_page(request, parts: dict):
    context = {**parts, "breadcrumb_data": breadcrumb(parts["reference"], list_link())}
    return render(request, "projects/application_detail.html", context)


@require_GET
def application_detail(request, reference):
    """A tab as its visitor saw it last, while no data has changed since; read and rendered otherwise."""

    def parts():
        files = Application.objects.visible_to(request.user).select_related("call", "applicant", "department")
        application = get_object_or_404(with_file(files, request.GET.get("onglet")), reference=reference)
        return detail_parts(request, application)

    return detail_page(request, freshness.cached("application-detail", freshness.visit(request), parts))


# — Status changes ———————————————————————————————————————————————————————————————————


@require_http_methods(["GET", "POST"])
def application_transition(request, reference, name):
    """Apply one of PAGE_TRANSITIONS; a refused move is a message and changes nothing."""
    if name not in PAGE_TRANSITIONS:
        raise Http404
    application = visible_application(request.user, reference, WITH_AMOUNTS, full_file=False)
    transition = TRANSITIONS[name]
    allowed = transition in application.allowed_transitions(request.user)
    if request.method == "GET" and not allowed:
        messages.error(
            request,
            _("Vous ne pouvez pas « %(label)s » : le dossier est au statut « %(status)s ».")
            % {"label": transition.label, "status": application.get_status_display()},
        )
        return redirect(detail_url(application))
    form = ReasonForm(posted_data(request), required=transition.needs_comment)
    # A refused move always reaches the model, whose message says why; an allowed one needs a valid form.
    if request.method == "POST" and (form.is_valid() or not allowed):
        comment = form.cleaned_data["comment"] if form.is_valid() else request.POST.get("comment", "")
        try:
            getattr(application, name)(by=request.user, comment=comment)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("« %(label)s » : le dossier %(reference)s est maintenant au statut « %(status)s ».")
                % {
                    "label": transition.label,
                    "reference": application.reference,
                    "status": application.get_status_display(),
                },
            )
        return redirect(detail_url(application))
    return render(
        request,
        "projects/application_transition.html",
        {
            "application": application,
            "transition": transition,
            "form": form,
            "breadcrumb_data": breadcrumb(transition.label, list_link(), application_link(application)),
        },
    )


# — Attachments ——————————————————————————————————————————————————————————————————————


@require_POST
def attachment_upload(request, reference):
    application = visible_application(request.user, reference, WITH_AMOUNTS)
    if not can_add_attachment(request.user, application):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = attach_file(
                application=application,
                uploaded_file=form.cleaned_data["file"],
                by=request.user,
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(detail_url(application, "pieces-jointes"))
        else:
            messages.success(request, _("Pièce « %(name)s » ajoutée.") % {"name": attachment.original_name})
            return redirect(detail_url(application, "pieces-jointes"))
    return render_detail(
        request, application, selected="pieces-jointes", overrides={"pieces-jointes": {"upload_form": form}}
    )


@require_GET
def attachment_download(request, reference, pk):
    """The file, only to those who see the application; always as a download, never rendered inline."""
    application = visible_application(request.user, reference, WITH_AMOUNTS)
    attachment = get_object_or_404(application.attachments, pk=pk)
    response = stored_file_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
