"""Demo step of the exports capability: the funders' SIRETs that the open-data file needs.

The results are NOT published here: publishing is the regional approver's decision, and it
is refused while committee proposals still wait for approval, as some demo applications do.
The approver (prefecture-76) publishes them from the « Exports et résultats » page.
"""

from departments.enums import OrganisationKind
from departments.models import Organisation
from projects.demo.data import FUNDER_SIRETS


def load_results(stdout) -> None:
    completed = []
    for kind, siret in FUNDER_SIRETS.items():
        filters = {"kind": kind}
        if kind == OrganisationKind.REGIONAL_PREFECTURE:
            filters["region__code"] = "76"
        for organisation in Organisation.objects.filter(siret="", **filters):
            organisation.siret = siret
            organisation.full_clean()
            organisation.save(update_fields=["siret"])
            completed.append(organisation.name)
    if completed:
        stdout.write(f"SIRET illustratifs des financeurs renseignés : {', '.join(completed)}.")
    else:
        stdout.write("SIRET des financeurs déjà renseignés.")
