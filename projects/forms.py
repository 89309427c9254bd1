from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from dsfr.utils import dsfr_input_class_attr
from stdnum.fr import siret as siret_checker

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.models import Applicant, Application, Call
from projects.money import AmountField, check_year_amounts, format_euros
from projects.services import refuse_shared_applicant_changes
from projects.uploads import ACCEPT_ATTRIBUTE, validate_attachment


class SharedApplicantRule:
    """An applicant form that refuses changes to an applicant whose files the user does not all manage.

    `self.user` is who saves; the page's form and the admin's both use it.
    """

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            # The instance still holds what is stored: the form's values reach it after clean().
            changed = [
                name
                for name in self._meta.fields
                if name in cleaned and name != "siret" and cleaned[name] != getattr(self.instance, name)
            ]
            refusal = refuse_shared_applicant_changes(changes={self.instance.siret: changed}, by=self.user)
            if refusal:
                raise ValidationError(refusal[self.instance.siret])
        return cleaned


class ApplicantForm(SharedApplicantRule, DsfrBaseForm, forms.ModelForm):
    """The applicant of a file. The SIRET identifies it: a known SIRET updates that applicant."""

    # Wider than the 14 digits, so that a SIRET typed with spaces reaches clean_siret.
    siret = forms.CharField(
        label=_("SIRET"),
        max_length=20,
        help_text=_("14 chiffres. Si ce SIRET est déjà connu, la fiche de ce porteur est mise à jour."),
    )

    class Meta:
        model = Applicant
        fields = [
            "siret",
            "legal_name",
            "legal_form",
            "rna",
            "address",
            "postal_code",
            "commune",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        help_texts = {"rna": _("Pour une association : W suivi de 9 chiffres.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.is_bound:
            # Same SIRET, same applicant; an unknown SIRET is a new applicant, never a renamed one.
            siret = siret_checker.compact(self.data.get(self.add_prefix("siret"), "") or "")
            # Only digits can be a known SIRET; anything else (a NUL byte PostgreSQL refuses) is left to clean_siret.
            known = Applicant.objects.filter(siret=siret).first() if siret.isdigit() else None
            self.instance = known or Applicant()

    def clean_siret(self):
        return siret_checker.compact(self.cleaned_data["siret"])

    def clean_rna(self):
        return self.cleaned_data["rna"].strip().upper()


def amount_field_name(year: int) -> str:
    return f"amount_{year}"


class ApplicationForm(DsfrBaseForm, forms.ModelForm):
    """The file itself and one amount per programme year.

    On creation the user chooses the call among those they see, and gets an amount field
    for every year of those calls: an amount for a year outside the chosen call's programme
    is refused on that field. On edition the call and the department are fixed (the
    reference is made of them).
    """

    submit_now = forms.BooleanField(
        label=_("Le dossier est complet : le déposer dès l’enregistrement"),
        required=False,
        initial=True,
    )

    class Meta:
        model = Application
        fields = [
            "call",
            "department",
            "title",
            "commune",
            "category",
            "qpv",
            "target_public",
            "summary",
            "total_budget",
        ]
        field_classes = {"total_budget": AmountField}
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        editing = self.instance.pk is not None
        if editing:
            calls = [self.instance.call]
            for name in ("call", "department"):
                self.fields[name].disabled = True
            del self.fields["submit_now"]
            self.initial.update(
                {amount_field_name(year): amount for year, amount in self.instance.requested_by_year().items()}
            )
        else:
            calls = list(Call.objects.visible_to(user).select_related("region"))
            self.fields["call"].queryset = Call.objects.filter(pk__in=[call.pk for call in calls])
            self.fields["department"].queryset = Department.objects.filter(
                pk__in=get_scope(user).department_ids(Action.MANAGE), region__in={call.region_id for call in calls}
            )
            if len(calls) == 1:
                self.fields["call"].initial = calls[0].pk
        self.years = sorted({year for call in calls for year in call.programme_years})
        for year in self.years:
            self.fields[amount_field_name(year)] = AmountField(
                label=_("Montant demandé pour %(year)s (€)") % {"year": year}, required=False
            )
            dsfr_input_class_attr(self[amount_field_name(year)])
        self.fields["total_budget"].label = _("Budget total du projet (€)")

    def amount_fields(self):
        return [self[amount_field_name(year)] for year in self.years]

    def file_fields(self):
        return [self[name] for name in self.Meta.fields]

    def amounts_by_year(self) -> dict[int, Decimal]:
        return {
            year: self.cleaned_data[amount_field_name(year)]
            for year in self.years
            if self.cleaned_data.get(amount_field_name(year))
        }

    def clean(self):
        cleaned = super().clean()
        call = cleaned.get("call")
        department = cleaned.get("department")
        if call is not None and self.instance.pk is None:
            if not call.accepts_applications:
                self.add_error(
                    "call",
                    _("L’appel à projets %(reference)s est clos : il n’accepte plus de dossier.")
                    % {"reference": call.reference},
                )
            if department is not None and department.region_id != call.region_id:
                self.add_error(
                    "department",
                    _("Le département %(department)s n’appartient pas à la région de l’appel (%(region)s).")
                    % {"department": department, "region": call.region},
                )
        if call is not None:
            typed = {year: cleaned.get(amount_field_name(year)) for year in self.years}
            checked = check_year_amounts(
                {year: amount for year, amount in typed.items() if amount}, years=call.programme_years
            )
            for year, problem in checked.problems.items():
                self.add_error(amount_field_name(year), problem)
        amounts = [cleaned.get(amount_field_name(year)) for year in self.years]
        first_amount = amount_field_name(self.years[0]) if self.years else None
        if first_amount and not any(amounts) and not self.has_error(first_amount):
            self.add_error(first_amount, _("Indiquez le montant demandé pour au moins une année du programme."))
        requested = sum((amount for amount in amounts if amount), Decimal("0"))
        budget = cleaned.get("total_budget")
        if budget is not None and requested > budget:
            self.add_error(
                "total_budget",
                _("Le budget total du projet ne peut être inférieur au montant demandé (%(requested)s).")
                % {"requested": format_euros(requested)},
            )
        return cleaned

    def application_fields(self) -> dict:
        """The Application's own fields, for create_application/update_application."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name not in ("call", "department")}


class ReasonForm(DsfrBaseForm):
    """The comment of a status change; required for the moves that need a reason (withdrawal…)."""

    comment = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Il figurera dans l’historique du dossier."),
    )

    def __init__(self, *args, required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = required
        if not required:
            # DsfrBaseForm has already built the bound field, which keeps its own label.
            self.fields["comment"].label = self["comment"].label = _("Commentaire")


class AttachmentForm(DsfrBaseForm):
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, ODT, DOCX, ODS, XLSX, PNG ou JPEG ; 10 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "class": "fr-upload"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=255,
        help_text=_("Par exemple : budget prévisionnel, statuts, lettre de soutien."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.group_class = "fr-upload-group"

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        validate_attachment(uploaded)
        return uploaded
