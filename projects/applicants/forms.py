from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from projects.applicants.models import RequiredDocument
from projects.applicants.services import normalise_email
from projects.forms import ApplicantForm, ApplicationForm, SharedApplicantRule, amount_field_name
from projects.models import Application, Call
from projects.uploads import ACCEPT_ATTRIBUTE, validate_attachment

FILE_HELP = _("PDF, ODT, DOCX, ODS, XLSX, PNG ou JPEG ; 10 Mo au plus.")


class SignInForm(DsfrBaseForm):
    email = forms.EmailField(
        label=_("Votre adresse électronique"),
        max_length=254,
        help_text=_("Format attendu : nom@domaine.fr"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class OnlineApplicantForm(ApplicantForm):
    """The applicant's identity as they file online: their address is the file's contact, and an
    organisation already followed by another address is not theirs to change."""

    class Meta(ApplicantForm.Meta):
        fields = [name for name in ApplicantForm.Meta.fields if name != "contact_email"]

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, user=None, **kwargs)
        self.email = normalise_email(email)
        self.fields["siret"].help_text = _("14 chiffres, sans espace ou avec.")
        self.fields["contact_name"].required = True

    def clean_siret(self):
        siret = super().clean_siret()
        if self.instance.pk is None:
            return siret
        owner = self.instance.contact_email
        if owner and normalise_email(owner) != self.email:
            raise forms.ValidationError(
                _(
                    "Cet organisme est déjà suivi par une autre adresse électronique : demandez à son contact de "
                    "vous inviter sur son dossier, ou écrivez au service instructeur."
                )
            )
        # Without a contact, files keyed in by the services still belong to them: whoever types the
        # SIRET would otherwise rewrite the address their letters go to, and become their contact.
        if not owner and self.instance.applications.exists():
            raise forms.ValidationError(
                _(
                    "Cet organisme a déjà des dossiers enregistrés par les services instructeurs : écrivez au "
                    "service instructeur pour qu’il vous en désigne comme contact."
                )
            )
        return siret

    def clean(self):
        # Not the staff's rule (which files of the organisation a user manages): its contact, whose
        # address clean_siret checked, keeps its record up to date.
        return super(SharedApplicantRule, self).clean()

    def save(self, commit=True):
        self.instance.contact_email = self.email
        return super().save(commit)


class OnlineApplicationForm(ApplicationForm):
    """The project as the applicant describes it: the call is the one they file to, the department one of its region."""

    class Meta(ApplicationForm.Meta):
        fields = [name for name in ApplicationForm.Meta.fields if name != "call"]

    def __init__(self, *args, call: Call, **kwargs):
        # ApplicationForm chooses calls and departments from a staff scope: the applicant has none.
        super(ApplicationForm, self).__init__(*args, **kwargs)
        self.call = call
        del self.fields["submit_now"]
        self.fields["department"].queryset = call.region.departments.order_by("code")
        self.fields["department"].help_text = _("Un département de la région %(region)s.") % {
            "region": call.region.name
        }
        if self.instance.pk is not None:
            self.initial.update(
                {amount_field_name(year): amount for year, amount in self.instance.requested_by_year().items()}
            )
        self.add_amount_fields([call])


class RequiredDocumentForm(DsfrBaseForm):
    requirement = forms.ModelChoiceField(label=_("Pièce"), queryset=RequiredDocument.objects.none())
    file = forms.FileField(
        label=_("Fichier"),
        help_text=FILE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "class": "fr-upload"}),
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].queryset = application.call.required_documents.all()
        self.fields["file"].widget.group_class = "fr-upload-group"

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        validate_attachment(uploaded)
        return uploaded


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, each checked as one attachment (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "class": "fr-upload"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


MAX_ANSWER_FILES = 10


class AnswerForm(DsfrBaseForm):
    answer = forms.CharField(label=_("Votre réponse"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    files = MultipleFileField(label=_("Pièces jointes"), required=False, help_text=FILE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.group_class = "fr-upload-group"

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_ANSWER_FILES:
            raise forms.ValidationError(_("Joignez %(count)d fichiers au plus.") % {"count": MAX_ANSWER_FILES})
        for uploaded in files:
            validate_attachment(uploaded)
        return files


class MessageForm(DsfrBaseForm):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class StaffMessageForm(MessageForm):
    internal = forms.BooleanField(
        label=_("Note interne : visible des seuls instructeurs, jamais du porteur de projet"), required=False
    )


class InvitationForm(DsfrBaseForm):
    email = forms.EmailField(label=_("Adresse électronique du co-contact"), max_length=254)


class InformationRequestForm(DsfrBaseForm):
    message = forms.CharField(
        label=_("Message au porteur de projet"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    pieces = forms.CharField(
        label=_("Pièces demandées"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("Une pièce par ligne."),
    )
    deadline = forms.DateField(
        label=_("À fournir avant le"),
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "off"}),
        help_text=_("Format attendu : JJ/MM/AAAA"),
    )
