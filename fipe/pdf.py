"""Every PDF the application makes (letters, minutes…) goes through `render_pdf`: PDF/A-3b, and a
URL fetcher that serves only our static files, so a document never reaches the network or the disk."""

import mimetypes
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

# A document's own URLs are relative (/static/…): they resolve against this base, which no network
# knows, and StaticOnlyFetcher serves them from the static files.
PDF_BASE_URL = "https://fipe.invalid/"
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b"}


class StaticOnlyFetcher(URLFetcher):
    """Serves the document's stylesheet and fonts from our static files; refuses anything else.

    A document never needs the network or arbitrary files, and a missing asset must fail it
    rather than silently print it in another typeface.
    """

    def __init__(self):
        super().__init__(fail_on_errors=True)
        self.static_prefix = urljoin(PDF_BASE_URL, settings.STATIC_URL)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(self.static_prefix):
            raise FatalURLFetchingError(f"documents may only use static files, not {url}")
        name = url.removeprefix(self.static_prefix).split("?")[0]
        # The finders know the source files; after collectstatic, hashed names live only in the storage.
        headers = {"Content-Type": mimetypes.guess_type(name)[0] or "application/octet-stream"}
        path = finders.find(name)
        if path:
            with open(path, "rb") as asset:
                return URLFetcherResponse(url, asset.read(), headers)
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as asset:
                return URLFetcherResponse(url, asset.read(), headers)
        raise FatalURLFetchingError(f"static file not found: {url}")


def render_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf(**PDF_OPTIONS)
