"""What the API answers. Amounts are decimal strings (« 10000.00 »), never floats."""

from rest_framework import serializers

from projects.letters.pipeline import decision_reference
from projects.models import Application, Award, Call, DecisionLetter, FundingLine, Payment


class YearAmountSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class DepartmentEnvelopeSerializer(serializers.Serializer):
    department = serializers.CharField(source="department.code")
    envelope = serializers.DecimalField(source="amount", max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Total des subventions attribuées dans le département."
    )


class YearEnvelopeSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    envelope = serializers.DecimalField(source="amount", max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Total des montants attribués pour cette année du programme."
    )


class CallSerializer(serializers.ModelSerializer):
    """A call as `visible_calls` reads it: its committed totals are annotations, computed for all calls at once."""

    region = serializers.CharField(source="region.code")
    committed = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Total des subventions attribuées.")
    department_envelopes = DepartmentEnvelopeSerializer(many=True)
    year_envelopes = YearEnvelopeSerializer(many=True)

    class Meta:
        model = Call
        fields = [
            "reference",
            "title",
            "region",
            "status",
            "opens_on",
            "closes_on",
            "first_year",
            "last_year",
            "envelope",
            "state_share",
            "committed",
            "department_envelopes",
            "year_envelopes",
            "results_published_at",
        ]


class ApplicationSummarySerializer(serializers.ModelSerializer):
    call = serializers.CharField(source="call.reference")
    department = serializers.CharField(source="department.code")
    applicant = serializers.CharField(source="applicant.legal_name")
    applicant_siret = serializers.CharField(source="applicant.siret")

    class Meta:
        model = Application
        fields = [
            "reference",
            "call",
            "department",
            "applicant",
            "applicant_siret",
            "title",
            "commune",
            "category",
            "qpv",
            "status",
            "requested_total",
            "submitted_at",
            "updated_at",
        ]


class ReviewSerializer(serializers.Serializer):
    kind = serializers.CharField()
    opinion = serializers.CharField()
    total = serializers.DecimalField(max_digits=4, decimal_places=1)
    submitted_at = serializers.DateTimeField()


class ProposalSerializer(serializers.Serializer):
    decision = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    reasons = serializers.CharField()
    proposed_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    meeting_date = serializers.DateField(source="meeting.date")
    amounts = YearAmountSerializer(many=True)


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["paid_on", "amount", "reference"]


class FundingLineSerializer(serializers.ModelSerializer):
    payments = PaymentSerializer(many=True)

    class Meta:
        model = FundingLine
        fields = ["funder", "year", "amount", "budget_reference", "commitment_number", "payments"]


class AwardSerializer(serializers.ModelSerializer):
    amounts = YearAmountSerializer(many=True)
    lines = FundingLineSerializer(many=True)

    class Meta:
        model = Award
        fields = ["total", "approved_at", "amounts", "lines"]


class LetterSerializer(serializers.ModelSerializer):
    reference = serializers.SerializerMethodField(help_text="Référence de la décision.")

    class Meta:
        model = DecisionLetter
        fields = ["reference", "kind", "version", "sha256", "generated_at", "sent_at"]

    def get_reference(self, letter) -> str:
        return decision_reference(letter.application, letter.kind)


class ApplicationSerializer(ApplicationSummarySerializer):
    """The whole file; only its summary where the pages show only the summary (context `summary_only`)."""

    full_file = serializers.SerializerMethodField(
        help_text=(
            "Faux pour un jeton d’instructeur qui n’a pas déclaré l’absence de conflit d’intérêts sur ce dossier : "
            "comme sur les pages, seul le résumé est donné "
            "(montants, avis, proposition, subvention et courriers vides)."
        )
    )
    total_budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    requested = YearAmountSerializer(source="requested_amounts", many=True)
    reviews = ReviewSerializer(many=True, help_text="Avis transmis de la Caf et de la DDETS.")
    proposal = serializers.SerializerMethodField()
    award = serializers.SerializerMethodField()
    letters = LetterSerializer(many=True)

    class Meta(ApplicationSummarySerializer.Meta):
        fields = [
            *ApplicationSummarySerializer.Meta.fields,
            "full_file",
            "summary",
            "total_budget",
            "requested",
            "reviews",
            "proposal",
            "award",
            "letters",
        ]

    def to_representation(self, application):
        data = super().to_representation(application)
        if self.context.get("summary_only"):
            # What the summary shown to a reviewer who has not declared leaves out, as the pages' tabs do.
            data.update(total_budget=None, requested=[], reviews=[], proposal=None, award=None, letters=[])
        return data

    def get_full_file(self, application) -> bool:
        return not self.context.get("summary_only", False)

    def _joined(self, application, name):
        _joined, value = application.joined(name)
        return value

    def get_proposal(self, application) -> ProposalSerializer(allow_null=True):
        proposal = self._joined(application, "proposal")
        return ProposalSerializer(proposal).data if proposal is not None else None

    def get_award(self, application) -> AwardSerializer(allow_null=True):
        award = self._joined(application, "award")
        return AwardSerializer(award).data if award is not None else None


class DecisionSerializer(serializers.ModelSerializer):
    """A laureate's award decision, as the decisions export has it."""

    department = serializers.CharField(source="department.code")
    applicant = serializers.CharField(source="applicant.legal_name")
    applicant_siret = serializers.CharField(source="applicant.siret")
    award = AwardSerializer()

    class Meta:
        model = Application
        fields = ["reference", "department", "applicant", "applicant_siret", "title", "status", "award"]


class LaureateSerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    commune = serializers.CharField()
    applicant = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)


class DepartmentResultsSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    laureates = LaureateSerializer(many=True)


class ResultsSerializer(serializers.Serializer):
    call = serializers.CharField(source="call.reference")
    count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    departments = DepartmentResultsSerializer(many=True)


class ScdlSerializer(serializers.Serializer):
    call = serializers.CharField()
    schema = serializers.CharField()
    records = serializers.ListField(child=serializers.DictField(child=serializers.CharField(allow_blank=True)))


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
