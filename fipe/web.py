"""What every app's pages share: the breadcrumb, binding a form to what was posted, handing over a stored file,
the main part of a page rendered apart (to be kept in the cache)."""

from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, QueryDict
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from fipe.templatetags.dsfr_extras import holds_form_errors

# The session key of a form posted after the session had expired, kept through the sign-in.
KEPT_POST = "fipe_kept_post"
# A form is a few kilobytes; the bound keeps a forged post from bloating the session.
KEPT_POST_MAX_CHARS = 100_000


class CappedUpload(FileUploadHandler):
    """Stops storing an upload once it passes `limit` bytes, and says so (`exceeded`).

    Django keeps every uploaded file whole, on disk past 2.5 MB, before any view can look at its size:
    an anonymous page that takes files would store what anyone sends. Placed first among the request's
    upload handlers (before the CSRF check reads the body), this one stops the upload at the limit; the
    rest of the body is read and dropped, never stored.
    """

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def main_part(request, template: str, context: dict) -> dict:
    """The main part of a page, rendered apart from its layout as text that the cache can keep (`main`), and
    whether a form in it holds errors (`page_errors`, for the page's title to say so)."""
    return {"main": render_to_string(template, context, request), "page_errors": holds_form_errors(context.values())}


def breadcrumb(current, *links) -> dict:
    """dsfr_breadcrumb's data: the home page, then `links` as (title, url), then the current page."""
    return {"links": [{"title": title, "url": url} for title, url in links], "current": current}


def next_or(request, default: str) -> str:
    """Where to go back after a form: the posted `next` field when it is a path of this site, else `default`.

    Only a path (« /dossiers/ »): `redirect()` would take any other word for the name of a view.
    """
    target = request.POST.get("next", "")
    same_site = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if same_site and target.startswith("/"):
        return target
    return default


def posted_data(request):
    """The data to bind a form to: the POST, even empty, on a POST; None (an unbound form) otherwise.

    Not `request.POST or None`: an empty POST is falsy, which would show a blank form without
    its errors instead of saying which fields are missing.
    On the first GET of a page after signing in again, the form it had posted when the session
    had expired (see keep_post): shown again to be checked and sent, never saved by itself.
    """
    if request.method == "POST":
        return request.POST
    return restore_post(request)


def keep_post(request) -> bool:
    """Keep a POST that arrives once the session has expired, to give it back after the sign-in.

    Files are not kept (the user chooses them again); neither is a post too large for a form.
    """
    data = {key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"}
    if not data or sum(len(value) for values in data.values() for value in values) > KEPT_POST_MAX_CHARS:
        return False
    request.session[KEPT_POST] = {"path": request.path, "data": data}
    return True


def restore_post(request) -> QueryDict | None:
    """The kept POST of this page for a signed-in user, once; None otherwise."""
    session = getattr(request, "session", None)
    kept = session.get(KEPT_POST) if session is not None else None
    if not kept or kept.get("path") != request.path or not request.user.is_authenticated:
        return None
    del session[KEPT_POST]
    data = QueryDict(mutable=True)
    for key, values in kept["data"].items():
        data.setlist(key, values)
    messages.warning(
        request,
        _(
            "Voici ce que vous aviez saisi avant l’expiration de votre session : rien n’a été enregistré. "
            "Vérifiez-le, puis envoyez le formulaire."
        ),
    )
    return data


def stored_file_response(stored_file, *, filename: str, content_type: str) -> FileResponse:
    """A stored file (attachment, letter, minutes, archive) as a download; 404 when its file is gone.

    The row can outlive its file (a database restored without MEDIA_ROOT, say): the user is told
    the file is not there, rather than meeting a server error.
    """
    try:
        stream = stored_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(stream, as_attachment=True, filename=filename, content_type=content_type)
