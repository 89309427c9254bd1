from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _can_anywhere(action):
    def visible(user) -> bool:
        from departments.permissions import get_scope

        return user.is_superuser or get_scope(user).can_anywhere(action)

    return visible


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Appels à projets et dossiers"

    def ready(self):
        # Each capability fills the shared registries: the menu, the detail page's tabs, the demo.
        from departments.enums import Action
        from fipe.demo import add_demo_step
        from fipe.navigation import add_nav_item
        from projects import views
        from projects.awards.views import award_tab_context
        from projects.demo import applications, awards, letters, results, signing
        from projects.letters.views import letters_tab_context
        from projects.tabs import Tab, add_tab

        add_nav_item("projects:application_list", _("Dossiers"), order=10, visible=_can_anywhere(Action.VIEW))
        add_nav_item(
            "projects:approval_calls", _("Validation des lauréats"), order=30, visible=_can_anywhere(Action.APPROVE)
        )
        add_nav_item("projects:funding_calls", _("Financements"), order=40, visible=_can_anywhere(Action.VIEW))
        add_nav_item("projects:letters", _("Courriers"), order=50, visible=_can_anywhere(Action.ISSUE_LETTERS))
        add_nav_item("projects:exports", _("Exports et résultats"), order=60, visible=_can_anywhere(Action.EXPORT))

        add_tab(
            Tab(
                "dossier",
                _("Dossier"),
                "projects/_tab_file.html",
                views.file_tab_context,
                order=10,
                prefetch_with_file=("requested_amounts",),
            )
        )
        add_tab(
            Tab(
                "pieces-jointes",
                _("Pièces jointes"),
                "projects/_tab_attachments.html",
                views.attachments_tab_context,
                order=20,
            )
        )
        add_tab(
            Tab(
                "subvention",
                _("Subvention"),
                "projects/awards/_tab_award.html",
                award_tab_context,
                order=50,
                select_with_file=("award__approved_by",),
            )
        )
        add_tab(Tab("courriers", _("Courriers"), "projects/letters/_tab_letters.html", letters_tab_context, order=60))
        add_tab(Tab("historique", _("Historique"), "projects/_tab_history.html", views.history_tab_context, order=90))

        add_demo_step(applications.load_call_and_applications, order=20)
        add_demo_step(applications.load_attachments, order=30)
        # Before the committees (40): their minutes are signed as they close.
        add_demo_step(signing.load_signatories, order=35)
        add_demo_step(awards.load_awards, order=50)
        add_demo_step(letters.load_letters, order=60)
        add_demo_step(results.load_results, order=70)

        # Notifications: each user's preferences, and in the demo the mailbox of the local SMTP sink.
        from django.conf import settings

        from projects.demo.notifications import load_notifications

        add_nav_item("projects:notification_preferences", _("Mes notifications"), order=80)
        add_nav_item("projects:sent_mail", _("Courriels envoyés"), order=85, visible=lambda user: settings.DEBUG)
        add_demo_step(load_notifications, order=85)

        # The home page's work queue: approvals, letters, calls, imports and exports.
        from projects import queues

        queues.register()
        # The applicant's space: the « Échanges » tab of the detail page, and its demo.
        from projects.applicants import demo as applicants_demo
        from projects.applicants.exchange_views import exchanges_tab_context

        add_tab(
            Tab(
                "echanges",
                _("Échanges"),
                "projects/applicants/_tab_exchanges.html",
                exchanges_tab_context,
                order=80,
            )
        )
        add_demo_step(applicants_demo.load_applicant_space, order=90)
        from projects.applicants import queues as applicant_queues

        applicant_queues.register()

        # The journal: every act, from the signals that announce them.
        from projects.journal import receivers

        receivers.connect()

        # The API: a service account with a known token for the demo.
        from projects.demo.api import load_api_account

        add_demo_step(load_api_account, order=97)

        # Follow-up of the laureates: conventions, payment schedule, yearly reports, recoveries.
        from projects.demo import followup as followup_demo
        from projects.followup.views import followup_tab_context

        add_nav_item("projects:followup_calls", _("Suivi des lauréats"), order=45, visible=_can_anywhere(Action.VIEW))
        add_tab(Tab("suivi", _("Suivi"), "projects/followup/_tab_followup.html", followup_tab_context, order=55))
        add_demo_step(followup_demo.load_followup, order=95)
        from projects.followup import queues as followup_queues

        followup_queues.register()
