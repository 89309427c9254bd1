from django.contrib import admin

from reviews.models import (
    CommitteeMeeting,
    CommitteeMember,
    CommitteeProposal,
    ConflictDeclaration,
    Criterion,
    ProposedAmount,
    RecommendedAmount,
    Review,
    ReviewScore,
    grid_is_locked,
)


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    """The call's grid. Weights and maximum scores are editable until the call's first review (Criterion.clean)."""

    list_display = ["call", "code", "label", "weight", "max_score"]
    list_filter = ["call"]
    search_fields = ["code", "label", "call__reference"]
    list_select_related = ["call"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if grid_is_locked(obj.call_id):
            return ["call", "code", "weight", "max_score"]
        return ["call"]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and grid_is_locked(obj.call_id):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk deletion would bypass the per-object check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyMixin:
    """Reviews, declarations and meetings are made through the pages only, so that the workflow,
    the history and the minutes stay consistent; the admin shows them for audit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewScoreInline(ReadOnlyMixin, admin.TabularInline):
    model = ReviewScore
    fields = ["criterion", "score"]


class RecommendedAmountInline(ReadOnlyMixin, admin.TabularInline):
    model = RecommendedAmount
    fields = ["year", "amount"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["application", "kind", "author", "opinion", "total", "submitted_at"]
    list_filter = ["kind", "opinion", "application__department", "application__call"]
    search_fields = ["application__reference", "application__title", "author__username", "author__last_name"]
    list_select_related = ["application", "author"]
    inlines = [ReviewScoreInline, RecommendedAmountInline]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["application", "user", "has_conflict", "declared_at"]
    list_filter = ["has_conflict", "application__department"]
    search_fields = ["application__reference", "user__username", "user__last_name"]
    list_select_related = ["application", "user"]


class CommitteeMemberInline(ReadOnlyMixin, admin.TabularInline):
    model = CommitteeMember
    fields = ["name", "organisation", "capacity", "declared_conflicts"]


class CommitteeProposalInline(ReadOnlyMixin, admin.TabularInline):
    model = CommitteeProposal
    fields = ["application", "decision", "rank", "proposed_total", "reasons"]


@admin.register(CommitteeMeeting)
class CommitteeMeetingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "call", "place", "status", "closed_at", "minutes_sha256"]
    list_filter = ["status", "department", "call"]
    list_select_related = ["call", "department"]
    inlines = [CommitteeMemberInline, CommitteeProposalInline]


class ProposedAmountInline(ReadOnlyMixin, admin.TabularInline):
    model = ProposedAmount
    fields = ["year", "amount"]


@admin.register(CommitteeProposal)
class CommitteeProposalAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["application", "meeting", "decision", "rank", "proposed_total"]
    list_filter = ["decision", "meeting__department", "meeting__call"]
    search_fields = ["application__reference", "application__title"]
    list_select_related = ["application", "meeting__department"]
    inlines = [ProposedAmountInline]
