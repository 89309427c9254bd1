"""Who may do what on calls and applications, beyond seeing them.

Seeing is the QuerySets' job (`Application.objects.visible_to(user)`): an application
outside the user's scope answers 404 before any rule below is asked.
"""

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.enums import CallStatus
from projects.models import Application, Call


def can_key_in_applications(user) -> bool:
    """Staff who hold MANAGE somewhere (administrators, regional prefecture) key in files received by post or email."""
    return get_scope(user).can_anywhere(Action.MANAGE)


def can_edit_application(user, application: Application) -> bool:
    """MANAGE on the application's department, and the file still a draft or submitted (not yet instructed)."""
    return application.is_editable and get_scope(user).can(Action.MANAGE, application.department_id)


def can_add_attachment(user, application: Application) -> bool:
    """MANAGE on the application's department, whatever its status (documents keep arriving after the decision)."""
    return get_scope(user).can(Action.MANAGE, application.department_id)


def may_download_open_data(user, call: Call) -> bool:
    """Once the results are published the open-data file is public; before, it is for those who
    may export every department of the call's region, so that they can check it."""
    if call.status == CallStatus.RESULTS_PUBLISHED:
        return True
    region_departments = set(Department.objects.filter(region_id=call.region_id).values_list("pk", flat=True))
    return bool(region_departments) and region_departments <= get_scope(user).department_ids(Action.EXPORT)
