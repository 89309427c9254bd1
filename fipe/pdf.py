"""Every PDF the application makes (letters, minutes…) goes through `render_pdf`: PDF/A-3b, and a
URL fetcher that serves only our static files, so a document never reaches the network or the disk.

On the way every text node is typeset in French (`fipe.typography`), bidi control characters
are dropped, and a character that none of the embedded fonts can draw is printed as « � » rather
than as an empty box; any word, however long, wraps at the margin rather than running off the page.
"""

import mimetypes
from functools import cache
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from fipe.typography import typeset_html

# A document's own URLs are relative (/static/…): they resolve against this base, which no network
# knows, and StaticOnlyFetcher serves them from the static files.
PDF_BASE_URL = "https://fipe.invalid/"
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b"}
# The fonts of fipe/documents.css, in their order of fallback: Marianne for French, DejaVu Sans for
# the Greek, Cyrillic, symbols and narrow no-break space that Marianne lacks.
DOCUMENT_FONTS = ("dsfr/dist/fonts/Marianne-Regular.woff2", "fipe/fonts/DejaVuSans.ttf")
REPLACEMENT_CHARACTER = "\ufffd"
# Applied after the document's own styles: a 300-character word breaks at the margin, in every document.
# (`break-word` rather than `anywhere`: short words in narrow columns stay whole; tables that take free
# text use `table-layout: fixed`, so a long word there breaks inside its column too.)
ENFORCED_CSS = "* { overflow-wrap: break-word; }"


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


@cache
def drawable_code_points() -> frozenset[int]:
    """Every character one of the document fonts has a glyph for."""
    points = set()
    for name in DOCUMENT_FONTS:
        path = finders.find(name)
        if path:
            points.update(TTFont(path, lazy=True).getBestCmap())
    return frozenset(points)


def replace_undrawable(text: str) -> str:
    """« � » for each character no document font can draw (an emoji, a Chinese character…)."""
    if text.isascii():
        return text
    drawable = drawable_code_points()
    return "".join(char if ord(char) in drawable or char in "\n\r\t" else REPLACEMENT_CHARACTER for char in text)


def prepare_html(html: str) -> str:
    return typeset_html(html, replace=replace_undrawable)


@cache
def _enforced_stylesheet() -> CSS:
    return CSS(string=ENFORCED_CSS)


def render_pdf(html: str) -> bytes:
    return HTML(string=prepare_html(html), base_url=PDF_BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf(
        stylesheets=[_enforced_stylesheet()], **PDF_OPTIONS
    )
