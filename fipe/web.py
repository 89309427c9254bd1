"""What every app's pages share: the breadcrumb, binding a form to what was posted, handing over a stored file."""

from django.http import FileResponse, Http404


def breadcrumb(current, *links) -> dict:
    """dsfr_breadcrumb's data: the home page, then `links` as (title, url), then the current page."""
    return {"links": [{"title": title, "url": url} for title, url in links], "current": current}


def posted_data(request):
    """The data to bind a form to: the POST, even empty, on a POST; None (an unbound form) otherwise.

    Not `request.POST or None`: an empty POST is falsy, which would show a blank form without
    its errors instead of saying which fields are missing.
    """
    return request.POST if request.method == "POST" else None


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
