from functools import cache

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

from projects.enums import Status
from projects.uploads import KIND_LABELS

register = template.Library()

# The badge's colour only echoes its text, which always names the status.
STATUS_BADGE_CLASSES = {
    Status.DRAFT: "",
    Status.SUBMITTED: "fr-badge--info",
    Status.IN_REVIEW: "fr-badge--new",
    Status.AWAITING_INFORMATION: "fr-badge--yellow-tournesol",
    Status.REVIEWED: "fr-badge--blue-cumulus",
    Status.PROPOSED: "fr-badge--purple-glycine",
    Status.NOT_PROPOSED: "fr-badge--warning",
    Status.LAUREATE: "fr-badge--success",
    Status.NOTIFIED: "fr-badge--success",
    Status.REJECTED: "fr-badge--error",
    Status.WITHDRAWN: "fr-badge--brown-caramel",
}


@register.simple_tag
def status_badge(status, small=False):
    """The status's staff label as a DSFR badge."""
    return _status_badge(Status(status), small, get_language())


# Written once per status, size and language: the application list shows fifty.
@cache
def _status_badge(status: Status, small: bool, language: str | None) -> str:
    classes = " ".join(filter(None, ["fr-badge", "fr-badge--sm" if small else "", STATUS_BADGE_CLASSES[status]]))
    return format_html('<span class="{}">{}</span>', classes, status.label)


@register.simple_tag(takes_context=True)
def render_tab(context, tab):
    """A detail page tab's partial, with the page's context plus the tab's own."""
    partial = context.template.engine.get_template(tab.template)
    with context.push(tab.context):
        return partial.render(context)


@register.filter
def file_kind(content_type):
    """PDF, DOCX…: the kind of an attachment, from the type read in its content."""
    return KIND_LABELS.get(content_type, "")
