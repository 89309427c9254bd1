from django.urls import path

from projects.applicants import exchange_views, filing_views, followup_views, views

urlpatterns = [
    path("espace-porteur/connexion/", views.applicant_sign_in, name="applicant_sign_in"),
    path("espace-porteur/connexion/lien-envoye/", views.applicant_link_sent, name="applicant_link_sent"),
    path("espace-porteur/connexion/<str:token>/", views.applicant_sign_in_link, name="applicant_sign_in_link"),
    path("espace-porteur/deconnexion/", views.applicant_sign_out, name="applicant_sign_out"),
    path("espace-porteur/", views.applicant_home, name="applicant_home"),
    path("espace-porteur/appels/<slug:reference>/deposer/", filing_views.applicant_file_new, name="applicant_file_new"),
    path("espace-porteur/dossiers/<int:pk>/", views.applicant_file, name="applicant_file"),
    path("espace-porteur/dossiers/<int:pk>/modifier/", filing_views.applicant_draft_edit, name="applicant_draft_edit"),
    path("espace-porteur/dossiers/<int:pk>/pieces/", filing_views.applicant_documents, name="applicant_documents"),
    path("espace-porteur/dossiers/<int:pk>/deposer/", filing_views.applicant_submit, name="applicant_submit"),
    path(
        "espace-porteur/dossiers/<int:pk>/pieces/<int:attachment>/",
        views.applicant_attachment,
        name="applicant_attachment",
    ),
    path(
        "espace-porteur/dossiers/<int:pk>/accuse-de-reception.pdf",
        views.applicant_acknowledgement,
        name="applicant_acknowledgement",
    ),
    path("espace-porteur/dossiers/<int:pk>/courriers/<int:letter>/", views.applicant_letter, name="applicant_letter"),
    path("espace-porteur/dossiers/<int:pk>/retirer/", views.applicant_withdraw, name="applicant_withdraw"),
    path("espace-porteur/dossiers/<int:pk>/co-contact/", views.applicant_invite, name="applicant_invite"),
    path(
        "espace-porteur/dossiers/<int:pk>/complements/<int:request_pk>/",
        exchange_views.applicant_answer,
        name="applicant_answer",
    ),
    path("espace-porteur/dossiers/<int:pk>/messages/", exchange_views.applicant_message, name="applicant_message"),
    path(
        "espace-porteur/dossiers/<int:pk>/convention.pdf",
        followup_views.applicant_convention,
        name="applicant_convention",
    ),
    path(
        "espace-porteur/dossiers/<int:pk>/convention/exemplaire-signe/",
        followup_views.applicant_signed_copy,
        name="applicant_signed_copy",
    ),
    path(
        "espace-porteur/dossiers/<int:pk>/compte-rendu/",
        followup_views.applicant_report,
        name="applicant_report",
    ),
    path(
        "dossiers/<slug:reference>/echanges/demander/",
        exchange_views.information_request_create,
        name="information_request_create",
    ),
    path("dossiers/<slug:reference>/echanges/ecrire/", exchange_views.staff_message, name="staff_message"),
]
