from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _runs_a_committee(user) -> bool:
    from departments.enums import Action
    from departments.permissions import get_scope

    return user.is_superuser or get_scope(user).can_anywhere(Action.RUN_COMMITTEE)


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Instruction et comités"

    def ready(self):
        from fipe.demo import add_demo_step
        from fipe.navigation import add_nav_item
        from projects.awards.approval import set_proposal_source
        from projects.tabs import Tab, add_summary_rule, add_tab
        from reviews.committee.approval import proposals_to_approve
        from reviews.committee.views import committee_tab_context
        from reviews.demo import load_reviews_and_committees
        from reviews.instruction.views import instruction_tab_context
        from reviews.permissions import full_file_hidden
        from reviews.signals import give_new_call_the_default_grid

        post_save.connect(give_new_call_the_default_grid, sender="projects.Call", dispatch_uid="reviews.default_grid")
        add_nav_item("reviews:meeting_list", _("Comités (CDSF)"), order=20, visible=_runs_a_committee)
        add_tab(
            Tab(
                "instruction",
                _("Instruction"),
                "reviews/instruction/_tab_instruction.html",
                instruction_tab_context,
                order=30,
                on_summary=True,
                prefetch_with_file=("requested_amounts",),
            )
        )
        add_tab(
            Tab(
                "comite",
                _("Comité"),
                "reviews/committee/_tab_committee.html",
                committee_tab_context,
                order=40,
                select_with_file=("proposal__meeting",),
            )
        )
        # The region's approval screen lists the committees' proposals.
        set_proposal_source(proposals_to_approve)
        # An instructor who has not declared the absence of a conflict sees only the file's summary.
        add_summary_rule(full_file_hidden)
        add_demo_step(load_reviews_and_committees, order=40)

        # The home page's work queue and the application list's « à faire » filters and review columns.
        from reviews import queues

        queues.register()

        from reviews import journal

        journal.connect()
