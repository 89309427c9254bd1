from django.urls import path  # noqa: F401

app_name = "projects"

urlpatterns = [
    # — Calls and applications (issue 3) —
    #
    #
    #
    # — Awards, funding lines, payments, approval screen, dashboard (issue 5) —
    #
    #
    #
    # — Decision letters and batches (issue 6) —
    #
    #
    #
    # — Imports, exports, open data, public results (issue 7) —
    #
    #
    #
]
