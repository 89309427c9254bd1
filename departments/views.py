from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from departments.forms import LoginForm
from departments.permissions import get_scope, visible_departments
from fipe.workqueue import work_queue


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


@require_GET
def home(request):
    scope = get_scope(request.user)
    departments = visible_departments(request.user).select_related("region")
    return render(
        request,
        "departments/home.html",
        {"memberships": scope.memberships, "departments": departments, "queue": work_queue(request.user)},
    )
