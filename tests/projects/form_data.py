"""What a member of staff types in the "Saisir un dossier" form, field by field."""

from tests.projects.factories import valid_siret


def application_form_data(call, department, **overrides) -> dict:
    data = {
        "call": call.pk,
        "department": department.pk,
        "title": "Crèche à vocation d’insertion professionnelle",
        "commune": "Nîmes",
        "category": "new_places",
        "qpv": "on",
        "target_public": "Enfants de parents en recherche d’emploi",
        "summary": "Vingt places réservées aux parents en parcours d’insertion.",
        "total_budget": "250 000,00",
        "amount_2023": "40 000",
        "amount_2024": "30 000,50",
        "amount_2025": "",
        "submit_now": "on",
        "applicant-siret": valid_siret(31000001),
        "applicant-legal_name": "Association Les Petits Pas",
        "applicant-legal_form": "association",
        "applicant-rna": "W302000123",
        "applicant-address": "12 rue de la République",
        "applicant-postal_code": "30000",
        "applicant-commune": "Nîmes",
        "applicant-contact_name": "Inès Roux",
        "applicant-contact_email": "ines.roux@example.org",
        "applicant-contact_phone": "04 66 00 00 00",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
