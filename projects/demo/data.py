"""The demo call's applications, with the status each should reach in the demo.

The laureates follow the prefecture of Occitanie's press release of 18 December 2023
(FIPE 2023: 19 projects, 10 departments, 2,395,000 € over 2023–2025). The press release
gives neither amounts nor SIRET numbers: the amounts, SIRETs, addresses and contacts
below are ILLUSTRATIVE, invented for the demo, and must not be taken for the real ones.

Each load_demo step moves the applications as far as its capability allows towards
`target`: the applications step creates and submits them, the reviews step instructs
them and holds the committees, the awards step approves, the letters step notifies.
"""

from decimal import Decimal

from stdnum import luhn

from projects.enums import Category, LegalForm, Status

CALL = {
    "reference": "FIPE-OCC-2023",
    "title": "Fonds d’innovation pour la petite enfance — Occitanie 2023",
    "opens_on": "2023-06-09",
    "closes_on": "2023-09-29",
    "first_year": 2023,
    "last_year": 2025,
    "envelope": Decimal("2395000.00"),
    "state_share": Decimal("0.5"),
    "state_budget_reference": "Programme 304 « Inclusion sociale et protection des personnes » — action 14",
    "cnaf_budget_reference": "FNAS — Fonds publics et territoires, axe petite enfance",
    "results_date": "2023-12-18",
}


def illustrative_siret(n: int, prefix: str = "9") -> str:
    """A SIRET whose SIREN and SIRET keys are both right, made up for the demo."""
    siren = f"{prefix}{n:07d}"
    siren += luhn.calc_check_digit(siren)
    establishment = siren + "0001"
    return establishment + luhn.calc_check_digit(establishment)


# Illustrative SIRETs of the two funders, for the open-data export of the demo.
FUNDER_SIRETS = {"regional_prefecture": illustrative_siret(1, prefix="1"), "cnaf": illustrative_siret(2, prefix="1")}


def yearly(total: str, years=(2023, 2024, 2025)) -> dict[int, Decimal]:
    """40 % the first year, 30 % each following year, to the euro; the last year takes the rest."""
    total = Decimal(total)
    first = (total * Decimal("0.4")).quantize(Decimal("1"))
    second = (total * Decimal("0.3")).quantize(Decimal("1"))
    return {years[0]: first, years[1]: second, years[2]: total - first - second}


def _app(
    n,
    department,
    applicant,
    legal_form,
    commune,
    title,
    summary,
    category,
    target,
    awarded=None,
    requested=None,
    qpv=False,
):
    awarded_by_year = yearly(awarded) if awarded else None
    requested_by_year = yearly(requested) if requested else awarded_by_year
    return {
        "department": department,
        "applicant": {
            "legal_name": applicant,
            "legal_form": legal_form,
            "siret": illustrative_siret(n),
            "rna": f"W{department.rjust(3, '0')}{n:06d}" if legal_form == LegalForm.ASSOCIATION else "",
            "address": f"{n} place de la République",
            "postal_code": POSTAL_CODES[department],
            "commune": commune,
            "contact_name": CONTACTS[n % len(CONTACTS)],
            "contact_email": f"contact{n}@porteur.example",
        },
        "commune": commune,
        "title": title,
        "summary": summary,
        "category": category,
        "qpv": qpv,
        "target_public": "Enfants de moins de 3 ans et leurs familles",
        "total_budget": sum(requested_by_year.values()) * Decimal("1.6") if requested_by_year else Decimal("50000"),
        "requested": requested_by_year or yearly("60000"),
        "awarded": awarded_by_year,
        "target": target,
    }


POSTAL_CODES = {
    "09": "09100", "11": "11200", "12": "12000", "30": "30000", "31": "31000", "32": "32260",
    "34": "34000", "46": "46000", "48": "48000", "65": "65000", "66": "66000", "81": "81000", "82": "82000",
}  # fmt: skip
CONTACTS = ["Anne Lefèvre", "Bruno Sicard", "Chloé Pujol", "David Azéma", "Émilie Cros", "Fabien Roques"]

L, P, N = Status.LAUREATE, Status.PROPOSED, Status.NOTIFIED

DEMO_APPLICATIONS = [
    # — Laureates named in the press release (amounts illustrative) —
    _app(1, "11", "Communauté de communes de la région Lézignanaise, Corbières et Minervois", LegalForm.EPCI, "Lézignan-Corbières",
         "Micro-crèche dans l’ancienne gare avec espace intergénérationnel et bougeothèque",
         "Réhabilitation d’une ancienne gare rurale en micro-crèche de 12 places, avec un espace intergénérationnel ouvert aux aînés et une « bougeothèque » de motricité libre.",
         Category.NEW_PLACES, N, awarded="180000", requested="200000"),
    _app(2, "11", "Communauté de communes Castelnaudary Lauragais Audois", LegalForm.EPCI, "Castelnaudary",
         "Bulle de répit pour les parents d’un ancien quartier prioritaire",
         "Un lieu de répit parental avec accueil ponctuel des enfants, ateliers et soutien à la parentalité, au cœur d’un ancien QPV.",
         Category.PARENT_RESPITE, N, awarded="95000", qpv=True),
    _app(3, "30", "Association Les Petits Pas nîmois", LegalForm.ASSOCIATION, "Nîmes",
         "Crèche à vocation sociale en quartier prioritaire",
         "Création d’une crèche de 30 places réservant la moitié de ses places aux familles en parcours d’insertion du quartier Pissevin.",
         Category.NEW_PLACES, N, awarded="210000", requested="250000", qpv=True),
    _app(4, "31", "Ville de Toulouse", LegalForm.COMMUNE, "Toulouse",
         "Prévention des troubles du langage chez les 0–3 ans",
         "Repérage précoce et ateliers d’éveil au langage dans les crèches municipales, avec des orthophonistes et les familles.",
         Category.LANGUAGE, N, awarded="120000"),
    _app(5, "31", "Association Résidences d’artistes petite enfance", LegalForm.ASSOCIATION, "Toulouse",
         "Résidence d’artistes dans une structure d’accueil du jeune enfant",
         "Des artistes en résidence d’une année dans un multi-accueil : éveil artistique et culturel des tout-petits.",
         Category.OTHER, L, awarded="45000"),
    _app(6, "31", "Ville de Colomiers", LegalForm.COMMUNE, "Colomiers",
         "Parcours de professionnalisation personnalisé des professionnels de la petite enfance",
         "Un parcours de formation individualisé pour les professionnels des crèches et les assistantes maternelles.",
         Category.PROFESSIONAL_TRAINING, L, awarded="60000", requested="75000"),
    _app(7, "31", "Ville de Pibrac", LegalForm.COMMUNE, "Pibrac",
         "Formation et référents vulnérabilité dans les lieux d’accueil",
         "Former des référents « vulnérabilité » dans chaque lieu d’accueil pour mieux accompagner les familles fragiles.",
         Category.PROFESSIONAL_TRAINING, N, awarded="38000"),
    _app(8, "31", "Ville de Saint-Jean", LegalForm.COMMUNE, "Saint-Jean",
         "Actions passerelles vers l’école maternelle",
         "Des temps passerelles entre la crèche et l’école maternelle pour préparer la première rentrée des enfants.",
         Category.SCHOOL_BRIDGE, L, awarded="22000"),
    _app(9, "32", "Communauté de communes Val de Gers", LegalForm.EPCI, "Seissan",
         "Halte-garderie et maison d’assistantes maternelles intergénérationnelle",
         "Création d’une halte-garderie et d’une MAM adossée à une résidence pour personnes âgées.",
         Category.NEW_PLACES, L, awarded="165000", requested="180000"),
    # — Other laureates (illustrative) —
    _app(10, "34", "Ville de Montpellier", LegalForm.COMMUNE, "Montpellier",
         "Crèche ouverte en horaires atypiques pour les parents en emploi décalé",
         "Un multi-accueil ouvert de 5 h à 22 h pour les parents travaillant en horaires décalés.",
         Category.ATYPICAL_HOURS, L, awarded="240000", requested="260000"),
    _app(11, "34", "CCAS de Béziers", LegalForm.CCAS, "Béziers",
         "Relais petite enfance itinérant dans les quartiers",
         "Un relais petite enfance qui se déplace dans les quartiers pour informer les familles et accompagner les assistantes maternelles.",
         Category.OTHER, L, awarded="130000", qpv=True),
    _app(12, "66", "Association Enfance et handicap catalane", LegalForm.ASSOCIATION, "Perpignan",
         "Accueil inclusif des enfants en situation de handicap",
         "Des places réservées et un accompagnement spécialisé pour les enfants en situation de handicap en crèche.",
         Category.DISABILITY, L, awarded="150000"),
    _app(13, "66", "Communauté de communes Conflent Canigó", LegalForm.EPCI, "Prades",
         "Bus petite enfance itinérant en zone de montagne",
         "Un bus aménagé qui apporte un accueil ponctuel et des ateliers d’éveil dans les villages isolés.",
         Category.NEW_PLACES, P, awarded="110000"),
    _app(14, "09", "Ville de Pamiers", LegalForm.COMMUNE, "Pamiers",
         "Micro-crèche à horaires atypiques",
         "Une micro-crèche ouverte tôt le matin et tard le soir, pour les familles dont les parents travaillent en horaires décalés.",
         Category.ATYPICAL_HOURS, L, awarded="140000"),
    _app(15, "12", "Association Le Nid ruthénois", LegalForm.ASSOCIATION, "Rodez",
         "Lieu d’accueil enfants-parents en milieu rural",
         "Un lieu d’accueil enfants-parents itinérant dans les communes rurales autour de Rodez.",
         Category.PARENT_RESPITE, N, awarded="90000"),
    _app(16, "65", "Ville de Tarbes", LegalForm.COMMUNE, "Tarbes",
         "Éveil au langage et bébés signeurs",
         "Ateliers d’éveil au langage et de communication gestuelle associée à la parole dans les crèches et les relais.",
         Category.LANGUAGE, P, awarded="75000"),
    _app(17, "81", "Communauté d’agglomération de l’Albigeois", LegalForm.EPCI, "Albi",
         "Crèche à vocation d’insertion professionnelle",
         "Des places d’accueil réservées aux parents en recherche d’emploi, avec un accompagnement vers l’emploi.",
         Category.NEW_PLACES, N, awarded="160000"),
    _app(18, "81", "Ville de Castres", LegalForm.COMMUNE, "Castres",
         "Classe passerelle vers l’école maternelle",
         "Une classe passerelle pour les enfants de 2 à 3 ans qui n’ont jamais été accueillis collectivement.",
         Category.SCHOOL_BRIDGE, P, awarded="85000"),
    _app(19, "30", "Communauté d’agglomération Alès Agglomération", LegalForm.EPCI, "Alès",
         "Maison du répit parental en quartier prioritaire",
         "Une maison du répit pour les parents isolés des quartiers prioritaires, avec accueil d’urgence des enfants.",
         Category.PARENT_RESPITE, N, awarded="280000", requested="300000", qpv=True),
    # — Applications at other stages, so that every page has something to show —
    _app(20, "11", "Ville de Limoux", LegalForm.COMMUNE, "Limoux",
         "Ludothèque petite enfance itinérante", "Une ludothèque mobile pour les communes du Limouxin.",
         Category.OTHER, Status.SUBMITTED, requested="48000"),
    _app(21, "11", "Association Les Lucioles narbonnaises", LegalForm.ASSOCIATION, "Narbonne",
         "Accueil du soir pour les enfants des familles monoparentales", "Un accueil jusqu’à 21 h pour les familles monoparentales.",
         Category.ATYPICAL_HOURS, Status.SUBMITTED, requested="72000", qpv=True),
    _app(22, "11", "Ville de Carcassonne", LegalForm.COMMUNE, "Carcassonne",
         "Jardin d’éveil dans la Bastide", "Un jardin d’éveil pour les enfants de 2 à 3 ans de la Bastide Saint-Louis.",
         Category.SCHOOL_BRIDGE, Status.IN_REVIEW, requested="54000", qpv=True),
    _app(23, "11", "Communauté de communes Piège Lauragais Malepère", LegalForm.EPCI, "Bram",
         "Relais petite enfance et formation des assistantes maternelles", "Formations mutualisées pour les assistantes maternelles du territoire.",
         Category.PROFESSIONAL_TRAINING, Status.DRAFT, requested="30000"),
    _app(24, "11", "Association Petite enfance du Minervois", LegalForm.ASSOCIATION, "Rieux-Minervois",
         "Crèche parentale associative", "Transformation d’une halte-garderie en crèche parentale.",
         Category.NEW_PLACES, Status.WITHDRAWN, requested="90000"),
    _app(25, "31", "Ville de Muret", LegalForm.COMMUNE, "Muret",
         "Accueil d’urgence pour les parents en reprise d’emploi", "Des places d’accueil d’urgence pour les parents qui reprennent un emploi.",
         Category.NEW_PLACES, Status.SUBMITTED, requested="110000"),
    _app(26, "31", "Association Bébé bouge", LegalForm.ASSOCIATION, "Blagnac",
         "Motricité libre et éveil sensoriel", "Ateliers de motricité libre et aménagement des espaces des crèches.",
         Category.OTHER, Status.IN_REVIEW, requested="36000"),
    _app(27, "31", "CCAS de Tournefeuille", LegalForm.CCAS, "Tournefeuille",
         "Accompagnement des familles vulnérables vers les modes d’accueil", "Un accompagnement individualisé des familles éloignées des modes d’accueil.",
         Category.OTHER, Status.REVIEWED, requested="64000"),
    _app(28, "31", "Association Crèches solidaires du Comminges", LegalForm.ASSOCIATION, "Saint-Gaudens",
         "Crèche associative en zone rurale", "Une crèche de 20 places dans un territoire rural dépourvu d’accueil collectif.",
         Category.NEW_PLACES, Status.REJECTED, requested="320000"),
    _app(29, "30", "Ville de Bagnols-sur-Cèze", LegalForm.COMMUNE, "Bagnols-sur-Cèze",
         "Passerelle crèche–école dans les quartiers prioritaires", "Actions passerelles entre les crèches et les écoles maternelles des quartiers.",
         Category.SCHOOL_BRIDGE, Status.SUBMITTED, requested="42000", qpv=True),
    _app(30, "30", "Association Grandir en Cévennes", LegalForm.ASSOCIATION, "Le Vigan",
         "Accueil des enfants en situation de handicap en milieu rural", "Un pôle ressources handicap pour les structures d’accueil des Cévennes.",
         Category.DISABILITY, Status.IN_REVIEW, requested="85000"),
    _app(31, "30", "Ville de Beaucaire", LegalForm.COMMUNE, "Beaucaire",
         "Extension d’un multi-accueil", "Dix places supplémentaires dans le multi-accueil municipal.",
         Category.NEW_PLACES, Status.NOT_PROPOSED, requested="150000"),
    _app(32, "34", "Ville de Sète", LegalForm.COMMUNE, "Sète",
         "Crèche portuaire en horaires décalés", "Un accueil adapté aux horaires des travailleurs du port.",
         Category.ATYPICAL_HOURS, Status.REJECTED, requested="200000"),
    _app(33, "46", "Communauté de communes du Grand Figeac", LegalForm.EPCI, "Figeac",
         "Réseau des assistantes maternelles du Grand Figeac", "Mise en réseau et formation des assistantes maternelles.",
         Category.PROFESSIONAL_TRAINING, Status.SUBMITTED, requested="40000"),
    _app(34, "48", "Association Lozère petite enfance", LegalForm.ASSOCIATION, "Mende",
         "Halte-garderie itinérante en Lozère", "Une halte-garderie qui se déplace sur le plateau.",
         Category.NEW_PLACES, Status.SUBMITTED, requested="95000"),
    _app(35, "82", "Ville de Montauban", LegalForm.COMMUNE, "Montauban",
         "Ateliers parents-enfants autour du langage", "Ateliers d’éveil au langage dans les centres sociaux.",
         Category.LANGUAGE, Status.IN_REVIEW, requested="28000"),
]  # fmt: skip

LAUREATE_TARGETS = {Status.PROPOSED, Status.LAUREATE, Status.NOTIFIED}
