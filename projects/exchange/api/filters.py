import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from departments.permissions import visible_departments
from projects.enums import Status
from projects.models import Application, Call


class InstantField(IsoDateTimeField):
    """An ISO 8601 instant that the database can hold: « 9999-12-31T23:59:59-12:00 » is past the last UTC date."""

    def to_python(self, value):
        instant = super().to_python(value)
        if instant is not None:
            try:
                instant.astimezone(datetime.UTC)
            except OverflowError:
                raise ValidationError(_("Instant hors des dates possibles."), code="invalid") from None
        return instant


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


class ApplicationApiFilter(django_filters.FilterSet):
    """The list's filters; a value that names nothing the token sees is a 400 naming the parameter."""

    call = django_filters.ModelChoiceFilter(
        queryset=lambda request: Call.objects.visible_to(request.user),
        to_field_name="reference",
        help_text=_("Référence de l’appel à projets (FIPE-OCC-2023)."),
    )
    department = django_filters.ModelChoiceFilter(
        queryset=lambda request: visible_departments(request.user),
        to_field_name="code",
        help_text=_("Code INSEE du département (11, 2A)."),
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, help_text=_("Statut du dossier."))
    updated_since = InstantFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=_("Dossiers modifiés à partir de cet instant (ISO 8601, 2026-12-01T08:00:00+01:00)."),
    )

    class Meta:
        model = Application
        fields = ["call", "department", "status", "updated_since"]
