"""The filters and sorts of the application list."""

import django_filters
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from stdnum.fr import siret as siret_checker

from departments.permissions import visible_departments
from projects.enums import Category, Status
from projects.models import Call
from projects.money import AmountField
from projects.worklists import work_filters_for

# Statuses sort in the order of the workflow, not alphabetically.
STATUS_RANK = Case(
    *[When(status=status, then=Value(rank)) for rank, status in enumerate(Status.values)],
    output_field=IntegerField(),
)
SORTS = {
    "reference": ("reference",),
    "-reference": ("-reference",),
    "date": (F("submitted_at").asc(nulls_last=True), "reference"),
    "-date": (F("submitted_at").desc(nulls_last=True), "reference"),
    "amount": ("requested_total", "reference"),
    "-amount": ("-requested_total", "reference"),
    "status": (STATUS_RANK, "reference"),
    "-status": (STATUS_RANK.desc(), "reference"),
}
SORT_CHOICES = [
    ("reference", _("Référence (croissante)")),
    ("-reference", _("Référence (décroissante)")),
    ("-date", _("Date de dépôt (plus récents d’abord)")),
    ("date", _("Date de dépôt (plus anciens d’abord)")),
    ("-amount", _("Montant demandé (plus élevés d’abord)")),
    ("amount", _("Montant demandé (plus faibles d’abord)")),
    ("status", _("Statut (ordre du circuit)")),
    ("-status", _("Statut (ordre inverse)")),
]
# Filters that do not narrow the set whose statuses are counted.
NOT_NARROWING = {"status", "sort"}


class AmountFilter(django_filters.NumberFilter):
    field_class = AmountField


def _visible_departments(request):
    return visible_departments(request.user)


def _visible_calls(request):
    return Call.objects.visible_to(request.user)


class ApplicationFilter(django_filters.FilterSet):
    work = django_filters.ChoiceFilter(label=_("À faire"), choices=[], method="filter_work", empty_label=_("Tout"))
    q = django_filters.CharFilter(
        label=_("Recherche"),
        method="search",
        help_text=_("Référence, intitulé, porteur ou SIRET"),
    )
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=Status.choices, empty_label=_("Tous"))
    category = django_filters.ChoiceFilter(label=_("Catégorie"), choices=Category.choices, empty_label=_("Toutes"))
    department = django_filters.ModelChoiceFilter(
        label=_("Département"), queryset=_visible_departments, empty_label=_("Tous")
    )
    commune = django_filters.CharFilter(label=_("Commune"), lookup_expr="icontains")
    qpv = django_filters.ChoiceFilter(
        label=_("Quartier prioritaire (QPV)"),
        choices=[("oui", _("En QPV")), ("non", _("Hors QPV"))],
        empty_label=_("Indifférent"),
        method="filter_qpv",
    )
    amount_min = AmountFilter(label=_("Montant demandé minimum (€)"), field_name="requested_total", lookup_expr="gte")
    amount_max = AmountFilter(label=_("Montant demandé maximum (€)"), field_name="requested_total", lookup_expr="lte")
    call = django_filters.ModelChoiceFilter(
        label=_("Appel à projets"), queryset=_visible_calls, to_field_name="reference", empty_label=_("Tous")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Trier par"), choices=SORT_CHOICES, method="sort_by", empty_label=_("Référence (par défaut)")
    )

    class Meta:
        form = DsfrBaseForm
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The « à faire » filters are those the capabilities offer this user (instructors, secretariats…).
        user = getattr(self.request, "user", None)
        self.work_filters = {item.key: item for item in work_filters_for(user)} if user is not None else {}
        if self.work_filters:
            self.filters["work"].extra["choices"] = [(key, item.label) for key, item in self.work_filters.items()]
        else:
            del self.filters["work"]
        for form_field in self.form.fields.values():
            form_field.template_name = "projects/_filter_field.html"

    def search(self, queryset, name, value):
        words = value.split()
        if not words:
            return queryset
        condition = Q()
        for word in words:
            condition &= (
                Q(reference__icontains=word) | Q(title__icontains=word) | Q(applicant__legal_name__icontains=word)
            )
        compact = siret_checker.compact(value)
        if compact.isdigit() and len(compact) >= 3:
            condition |= Q(applicant__siret__startswith=compact)
        return queryset.filter(condition)

    def filter_work(self, queryset, name, value):
        return self.work_filters[value].apply(queryset, self.request.user)

    def filter_qpv(self, queryset, name, value):
        return queryset.filter(qpv=value == "oui")

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS[value])

    def narrowed_without_status(self, queryset):
        """The queryset with every valid filter but the status: what the per-status counts describe."""
        self.is_valid()
        for name, value in self.form.cleaned_data.items():
            if name not in NOT_NARROWING:
                queryset = self.filters[name].filter(queryset, value)
        return queryset
