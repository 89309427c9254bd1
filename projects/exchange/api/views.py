"""The read-only API (`/api/v1/`): what a service account's token sees is what its memberships show on the pages.

Every view starts from the pages' scope functions (`Call.objects.visible_to`,
`Application.objects.visible_to`): another department's file answers 404, as on the pages.
Only a call's published results and its open-data records are answered without a token.
"""

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, generics
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from fipe import freshness
from projects.enums import AWARDED_STATUSES, CallStatus
from projects.exchange.api.filters import ApplicationApiFilter
from projects.exchange.api.models import ApiCall, ApiToken
from projects.exchange.api.pagination import ReferenceCursor
from projects.exchange.api.serializers import (
    ApplicationSerializer,
    ApplicationSummarySerializer,
    CallSerializer,
    DecisionSerializer,
    ErrorSerializer,
    ResultsSerializer,
    ScdlSerializer,
)
from projects.exchange.opendata import FUNDER_CHOICES, SCDL_COLUMNS, FunderIdentityMissing, grantors, scdl_rows
from projects.exchange.results import call_results
from projects.models import (
    Application,
    Award,
    AwardAmount,
    Call,
    DecisionLetter,
    DepartmentEnvelope,
    FundingLine,
    YearEnvelope,
)
from projects.money import MONEY
from projects.permissions import may_download_open_data
from projects.tabs import summary_only


def reference_parameter(description: str, example: str) -> OpenApiParameter:
    return OpenApiParameter(
        "reference",
        OpenApiTypes.STR,
        OpenApiParameter.PATH,
        description=description,
        examples=[OpenApiExample(example, value=example)],
    )


CALL_REFERENCE = [reference_parameter("Référence de l’appel à projets.", "FIPE-OCC-2023")]
APPLICATION_REFERENCE = [reference_parameter("Référence du dossier.", "FIPE-OCC-2023-011-001")]
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Inconnu ou hors du périmètre du jeton.")
UNAUTHORISED = OpenApiResponse(ErrorSerializer, description="Jeton absent, inconnu, révoqué ou expiré.")
BAD_REQUEST = OpenApiResponse(
    # Each refused parameter with its messages, so that the calling system can tell which one to fix.
    {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description='Paramètre invalide : la réponse le nomme (`{"status": ["…"]}`).',
)
THROTTLED = OpenApiResponse(ErrorSerializer, description="Trop de requêtes pour ce jeton : réessayez plus tard.")


class FunderIdentityMissingError(APIException):
    status_code = 409
    default_code = "funder_identity_missing"


# What the award of a file shows: its amounts per year, its funding lines and their payments.
AWARD_PREFETCHES = (
    "award__amounts",
    Prefetch("award__lines", queryset=FundingLine.objects.prefetch_related("payments")),
)


def _committed(amounts, group: str, field: str):
    """The sum of `field` over `amounts` (filtered on an OuterRef) as a subquery; 0 when there is none."""
    total = amounts.order_by().values(group).annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total), Decimal("0"), output_field=DecimalField(**MONEY))


def visible_calls(user):
    """The calls with what their awards commit, in all, per department and per year: the same queries for any
    number of calls (committed_total and committed_by_year, computed for every envelope at once)."""
    department_awards = Award.objects.filter(
        application__call=OuterRef("call_id"), application__department=OuterRef("department_id")
    )
    department_envelopes = DepartmentEnvelope.objects.select_related("department").annotate(
        committed=_committed(department_awards, "application__call", "total")
    )
    year_amounts = AwardAmount.objects.filter(award__application__call=OuterRef("call_id"), year=OuterRef("year"))
    year_envelopes = YearEnvelope.objects.annotate(committed=_committed(year_amounts, "year", "amount"))
    return (
        Call.objects.visible_to(user)
        .select_related("region")
        .annotate(
            committed=_committed(Award.objects.filter(application__call=OuterRef("pk")), "application__call", "total")
        )
        .prefetch_related(
            Prefetch("department_envelopes", queryset=department_envelopes.order_by("department__code")),
            Prefetch("year_envelopes", queryset=year_envelopes.order_by("year")),
        )
        .order_by("reference")
    )


class LoggedCalls:
    """Logs every call: token, user, path and the answer's status."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Read what authentication left, without running it again (it may be what failed).
        auth, user = getattr(request, "_auth", None), getattr(request, "_user", None)
        ApiCall.objects.create(
            token=auth if isinstance(auth, ApiToken) else None,
            user=user if user is not None and user.is_authenticated else None,
            method=request.method[:10],
            path=request.get_full_path()[:500],
            status=response.status_code,
        )
        return response


class ApiView(LoggedCalls, generics.GenericAPIView):
    """The base of the API's views."""


class VisibleCalls:
    serializer_class = CallSerializer

    def get_queryset(self):
        return visible_calls(self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary=_("Appels à projets"), responses={200: CallSerializer(many=True), 401: UNAUTHORISED, 429: THROTTLED}
    )
)
class CallList(VisibleCalls, ApiView, generics.ListAPIView):
    """The calls of the regions the token sees, with their envelopes and what their awards commit."""

    pagination_class = None


@extend_schema_view(
    get=extend_schema(
        summary=_("Un appel à projets"),
        parameters=CALL_REFERENCE,
        responses={200: CallSerializer, 401: UNAUTHORISED, 404: NOT_FOUND, 429: THROTTLED},
    )
)
class CallDetail(VisibleCalls, ApiView, generics.RetrieveAPIView):
    lookup_field = "reference"


@extend_schema_view(
    get=extend_schema(
        summary=_("Dossiers"),
        responses={200: ApplicationSummarySerializer(many=True), 400: BAD_REQUEST, 401: UNAUTHORISED, 429: THROTTLED},
    )
)
class ApplicationList(ApiView, generics.ListAPIView):
    """The files of the departments the token sees, by reference, 50 a page (`page_size` up to 200)."""

    serializer_class = ApplicationSummarySerializer
    pagination_class = ReferenceCursor
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApplicationApiFilter

    def get_queryset(self):
        return Application.objects.visible_to(self.request.user).select_related("call", "department", "applicant")

    def list(self, request, *args, **kwargs):
        # A page read again while no data has changed is served as it was computed, for the same user at the
        # same address (its cursor links name the host). The throttle and the call's log still run each time.
        # A refused filter raises before anything is kept.
        data = freshness.cached(
            "api-applications",
            (request.user.pk, request.build_absolute_uri()),
            lambda: super(ApplicationList, self).list(request, *args, **kwargs).data,
        )
        return Response(data)


@extend_schema_view(
    get=extend_schema(
        summary=_("Un dossier"),
        parameters=APPLICATION_REFERENCE,
        responses={200: ApplicationSerializer, 401: UNAUTHORISED, 404: NOT_FOUND, 429: THROTTLED},
    )
)
class ApplicationDetail(ApiView, generics.RetrieveAPIView):
    """A file with its amounts, the submitted reviews, the committee's proposal, the award, payments and letters."""

    serializer_class = ApplicationSerializer
    lookup_field = "reference"

    def retrieve(self, request, *args, **kwargs):
        application = self.get_object()
        # The pages' rule: a reviewer sees the full file only once they have declared no conflict of interest.
        context = {**self.get_serializer_context(), "summary_only": summary_only(request.user, application)}
        return Response(ApplicationSerializer(application, context=context).data)

    def get_queryset(self):
        # The reviews' model belongs to the app that instructs the files, which `projects` does not import.
        reviews = Application._meta.get_field("reviews").related_model.objects.submitted().order_by("kind")
        return (
            Application.objects.visible_to(self.request.user)
            .select_related("call", "department", "applicant", "proposal__meeting", "award")
            .prefetch_related(
                "requested_amounts",
                Prefetch("reviews", queryset=reviews),
                "proposal__amounts",
                *AWARD_PREFETCHES,
                Prefetch("letters", queryset=DecisionLetter.objects.order_by("kind", "version")),
            )
        )


def visible_call(request, reference: str) -> Call:
    return get_object_or_404(Call.objects.visible_to(request.user).select_related("region"), reference=reference)


@extend_schema_view(
    get=extend_schema(
        summary=_("Décisions d’attribution d’un appel"),
        parameters=CALL_REFERENCE,
        responses={
            200: DecisionSerializer(many=True),
            400: BAD_REQUEST,
            401: UNAUTHORISED,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
)
class CallDecisions(ApiView, generics.ListAPIView):
    """The laureates of the call in the departments the token sees, with their award and funding lines."""

    serializer_class = DecisionSerializer
    pagination_class = ReferenceCursor

    def get_queryset(self):
        call = visible_call(self.request, self.kwargs["reference"])
        return (
            Application.objects.visible_to(self.request.user)
            .filter(call=call, status__in=AWARDED_STATUSES, award__isnull=False)
            .select_related("department", "applicant", "award")
            .prefetch_related(*AWARD_PREFETCHES)
        )


class PublicApiView(ApiView):
    """Answered without a token; a token, if sent, must still be valid."""

    permission_classes = [AllowAny]


@extend_schema(
    summary=_("Résultats publiés d’un appel"),
    parameters=CALL_REFERENCE,
    responses={200: ResultsSerializer, 401: UNAUTHORISED, 404: NOT_FOUND, 429: THROTTLED},
    auth=[{}, {"jeton": []}],
)
class CallResults(PublicApiView):
    """The laureates by department, once the regional prefecture has published the results (public)."""

    serializer_class = ResultsSerializer

    def get(self, request, reference: str):
        call = get_object_or_404(
            Call.objects.select_related("region"), reference=reference, status=CallStatus.RESULTS_PUBLISHED
        )
        return Response(ResultsSerializer(call_results(call)).data)


@extend_schema(
    summary=_("Données ouvertes SCDL d’un appel"),
    parameters=CALL_REFERENCE,
    responses={
        200: ScdlSerializer,
        401: UNAUTHORISED,
        404: NOT_FOUND,
        409: OpenApiResponse(ErrorSerializer, description="SIRET d’un financeur manquant."),
        429: THROTTLED,
    },
    auth=[{}, {"jeton": []}],
)
class CallScdl(PublicApiView):
    """The SCDL « Subventions » 2.1.1 records of the call, as JSON: public once its results are published,
    before for those who may export every department of its region (as the CSV file)."""

    serializer_class = ScdlSerializer

    def get(self, request, reference: str):
        call = get_object_or_404(Call.objects.select_related("region"), reference=reference)
        if not may_download_open_data(request.user, call):
            raise Http404
        try:
            rows = list(scdl_rows(call, grantors(call, FUNDER_CHOICES["both"])))
        except FunderIdentityMissing as error:
            raise FunderIdentityMissingError(error.message) from None
        records = [dict(zip(SCDL_COLUMNS, row, strict=True)) for row in rows]
        return Response({"call": call.reference, "schema": "scdl/subventions 2.1.1", "records": records})


@extend_schema(exclude=True)
class UnknownAddress(PublicApiView):
    """Any other address under the API: a JSON 404 (logged like the others), not the site's HTML page."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # As every address of the API, this one is read only.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            raise exceptions.MethodNotAllowed(request.method)
        raise exceptions.NotFound(_("Adresse inconnue de l’API."))


class Schema(LoggedCalls, SpectacularAPIView):
    """The OpenAPI 3 description, logged as the other addresses of the API are."""


class Docs(LoggedCalls, SpectacularSwaggerSplitView):
    """The documentation page (Swagger UI from our static files), logged too."""
