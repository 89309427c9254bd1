"""/verifier/: anyone checks that a document they hold is the one we issued. No sign-in."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from fipe.web import CappedUpload, posted_data
from projects.letters.documents import Verdict, verify_code, verify_file
from projects.letters.forms import VerifyForm


@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_document(request):
    """Upload a PDF, or type (or scan, through the QR code) its reference and code.

    The upload is capped before anything reads the body; the CSRF check follows (Django's way for
    upload handlers, which must be set before the CSRF middleware would parse the body).
    """
    cap = CappedUpload(request, settings.VERIFY_UPLOAD_MAX_BYTES)
    request.upload_handlers.insert(0, cap)
    return _verify_document(request, cap)


@csrf_protect
def _verify_document(request, cap: CappedUpload):
    verdict = None
    if request.method == "POST":
        form = VerifyForm(posted_data(request), request.FILES)
        if cap.exceeded:
            # Too big to be one of ours, whatever it holds; the form starts afresh.
            form, verdict = VerifyForm(), Verdict(recognised=False)
        elif form.is_valid():
            if not form.cleaned_data["document"]:
                # A typed reference and code: the answer has the address the QR code leads to.
                query = urlencode({"reference": form.cleaned_data["reference"], "code": form.cleaned_data["code"]})
                return redirect(f"{reverse('projects:verify_document')}?{query}")
            verdict = _verdict(form.cleaned_data)
    elif request.GET.get("reference") and request.GET.get("code"):
        form = VerifyForm(request.GET)
        if form.is_valid():
            verdict = _verdict(form.cleaned_data)
    else:
        form = VerifyForm()
    return render(request, "projects/letters/verify.html", {"form": form, "verdict": verdict})


def _verdict(data) -> Verdict:
    upload = data.get("document")
    if upload:
        return verify_file(upload.read())
    return verify_code(reference=data["reference"], code=data["code"])
