from django.contrib import admin  # noqa: F401

# — Calls, applicants, applications (issue 3) —


# — Awards, funding lines, payments (issue 5) —


# — Letters and signatories (issue 6) —


# — Import/export resources and actions (issue 7) —
