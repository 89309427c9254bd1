from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from dsfr.widgets import InlineRadioSelect

from fipe.forms import ConditionalTextField, required_when
from reviews.enums import Opinion
from reviews.forms import add_amount_fields, amounts_from
from reviews.instruction.services import amount_key, score_key


class ConflictDeclarationForm(DsfrBaseForm):
    has_conflict = forms.TypedChoiceField(
        label=_("Avez-vous un conflit d’intérêts avec ce dossier ?"),
        help_text=_(
            "Par exemple : vous siégez dans l’organe dirigeant du porteur, vous avez contribué au projet, "
            "un proche y travaille."
        ),
        choices=[
            ("no", _("Non, je n’ai aucun lien avec le porteur ni avec le projet")),
            ("yes", _("Oui, j’ai un conflit d’intérêts : je ne l’instruirai pas")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = ConditionalTextField(
        label=_("Précisions"),
        help_text=_("Obligatoire en cas de conflit : la nature du lien avec le porteur ou le projet."),
        widget=ConditionalTextField.widget(attrs={"rows": 3}),
    )


class ReviewForm(DsfrBaseForm):
    """Scores per criterion, opinion, recommended amount per programme year, comment.

    The fields are required to submit (button `action=submit`), not to save a draft,
    which may be incomplete. save_review checks the rest (ranges, amounts requested).
    """

    opinion = forms.ChoiceField(
        label=_("Avis"),
        choices=Opinion.choices,
        widget=InlineRadioSelect,
        error_messages={"required": _("Choisissez un avis avant de transmettre.")},
    )
    comment = ConditionalTextField(
        label=_("Commentaire"),
        help_text=_("Obligatoire pour un avis réservé ou défavorable."),
        widget=ConditionalTextField.widget(attrs={"rows": 5}),
    )

    def __init__(self, *args, criteria, years, requested, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.years = years
        strict = not self.is_bound or self.data.get("action") == "submit"
        required_when(self.fields["opinion"], strict)
        fields = {}
        for criterion in criteria:
            fields[score_key(criterion.code)] = forms.TypedChoiceField(
                label=f"{criterion.code} — {criterion.label}",
                help_text=_("Note de 0 à %(max)s ; pondération %(weight)s.")
                % {"max": criterion.max_score, "weight": criterion.weight},
                choices=[(str(score), str(score)) for score in range(criterion.max_score + 1)],
                coerce=int,
                empty_value=None,
                widget=InlineRadioSelect,
                error_messages={"required": _("Notez ce critère avant de transmettre l’avis.")},
            )
            required_when(fields[score_key(criterion.code)], strict)
        self.fields.update(fields)
        add_amount_fields(
            self, years=years, requested=requested, label=_("Montant recommandé"), what=_("recommandé"), strict=strict
        )
        self.order_fields([*fields, "opinion", *(amount_key(year) for year in years), "comment"])

    def scores(self) -> dict[str, int | None]:
        return {criterion.code: self.cleaned_data.get(score_key(criterion.code)) for criterion in self.criteria}

    def amounts(self) -> dict[int, Decimal | None]:
        return amounts_from(self, self.years)


class ReopenReviewForm(DsfrBaseForm):
    reason = forms.CharField(
        label=_("Motif de la réouverture"),
        help_text=_("Conservé dans l’historique du dossier."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
