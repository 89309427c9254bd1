"""The import's widgets: one cell → one value, or ValueError with the French message."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import widgets

from departments.models import Department
from projects.exchange.import_rules import cell_code, cell_text, department_problem
from projects.exchange.imports import choice_lookup, normalized
from projects.models import Call
from projects.money import check_year_amounts, parse_amount

TRUE_WORDS = {"oui", "o", "vrai", "true", "1", "x"}
FALSE_WORDS = {"non", "n", "faux", "false", "0", ""}


class ModelFieldWidget(widgets.Widget):
    """Text checked by the model field's own rules (length, format, required, choices)."""

    def __init__(self, model, name: str):
        super().__init__()
        self.field = model._meta.get_field(name)

    def prepare(self, value) -> str:
        return cell_text(value)

    def clean(self, value, row=None, **kwargs):
        try:
            return self.field.clean(self.prepare(value), None)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None


class CodeWidget(ModelFieldWidget):
    """A code a spreadsheet may have turned into a number (9100 for 09100): leading zeros restored."""

    def __init__(self, model, name: str, width: int):
        super().__init__(model, name)
        self.width = width

    def prepare(self, value) -> str:
        return cell_code(value, self.width)


class UpperCodeWidget(ModelFieldWidget):
    def prepare(self, value) -> str:
        return cell_text(value).upper()


class ChoiceLabelWidget(widgets.Widget):
    """A choice given by its label, one of its parts (« CCAS » for « CCAS/CIAS ») or its code,
    compared without accents or case."""

    def __init__(self, choices, what: str):
        super().__init__()
        self.choices = choices
        self.what = what
        self.lookup = choice_lookup(choices)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(_("Ce champ est obligatoire."))
        choice = self.lookup.get(normalized(text))
        if choice is None:
            raise ValueError(
                _("%(what)s inconnue « %(value)s ». Valeurs possibles : %(choices)s.")
                % {"what": self.what, "value": text, "choices": ", ".join(str(label) for _value, label in self.choices)}
            )
        return choice


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        word = normalized(cell_text(value))
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_("Indiquez « oui » ou « non » (et non « %(value)s »).") % {"value": cell_text(value)})


class AmountWidget(ModelFieldWidget):
    """A required amount as French users type it (projects.money.parse_amount), within the model
    field's rules."""

    def clean(self, value, row=None, **kwargs):
        if cell_text(value) == "":
            raise ValueError(_("Ce champ est obligatoire."))
        try:
            amount = parse_amount(value)
        except ValueError as error:
            raise ValueError(_("Montant incorrect : %(error)s.") % {"error": error}) from None
        try:
            return self.field.clean(amount, None)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None


class YearAmountWidget(widgets.Widget):
    """The amount requested for one programme year, by the one per-year check (projects.money);
    an empty cell is 0 (nothing requested that year)."""

    def __init__(self, *, call: Call, year: int):
        super().__init__()
        self.years = call.programme_years
        self.year = year

    def clean(self, value, row=None, **kwargs):
        checked = check_year_amounts(
            {self.year: value if isinstance(value, Decimal) else cell_text(value)}, years=self.years
        )
        if checked.problems:
            raise ValueError(checked.problems[self.year])
        return checked.amounts.get(self.year, Decimal("0"))


class DepartmentWidget(widgets.Widget):
    """An INSEE department code (« 9 » for « 09 »), of the call's region, where the user may file."""

    def __init__(self, *, call: Call, scope):
        super().__init__()
        self.call = call
        self.scope = scope
        self.departments = {department.code: department for department in Department.objects.all()}

    def clean(self, value, row=None, **kwargs):
        code = cell_code(value, 2).upper()
        if len(code) == 1 and code.isdigit():
            code = code.zfill(2)
        if not code:
            raise ValueError(_("Ce champ est obligatoire."))
        department = self.departments.get(code)
        if department is None:
            raise ValueError(_("Département inconnu « %(code)s » (code INSEE attendu).") % {"code": code})
        problem = department_problem(call=self.call, scope=self.scope, department=department)
        if problem:
            raise ValueError(problem)
        return department
