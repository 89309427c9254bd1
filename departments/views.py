from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_POST

from departments.forms import LoginForm
from departments.permissions import get_scope, visible_departments
from departments.sessions import restart_clock, seconds_left
from fipe import freshness
from fipe.web import next_or
from fipe.workqueue import work_queue


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


def home_page(user) -> str:
    """The home page's content: the user's waiting work, memberships and departments, as HTML."""
    context = {
        "user": user,
        "memberships": get_scope(user).memberships,
        "departments": visible_departments(user).select_related("region"),
        "queue": work_queue(user),
    }
    return render_to_string("departments/_home.html", context)


@require_GET
def home(request):
    user = request.user
    # Kept until the data changes, or the day does (a report becomes late overnight).
    key = (user.pk, timezone.localdate())
    return render(request, "departments/home.html", {"content": freshness.cached("home", key, lambda: home_page(user))})


@login_not_required
@require_POST
def extend_session(request):
    """« Prolonger »: the session starts a new lifetime; the page's script asks in JSON, a plain form goes back.

    Not behind the sign-in: once the session is gone, there is nothing to keep from this post.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(next_or(request, reverse("home")))
    restart_clock(request)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"seconds_left": seconds_left(request)})
    return redirect(next_or(request, reverse("home")))
