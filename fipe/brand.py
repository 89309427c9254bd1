"""The State's bloc-marque for our documents, drawn from the design system's own artwork.

The DSFR draws its logo (`.fr-logo`) in CSS: the Marianne is a white SVG laid over a blue and
red gradient (`:before`), the devise « Liberté Égalité Fraternité » an SVG of its lettering
(`:after`). We take both SVGs from django-dsfr's stylesheet, as shipped, and compose them as
the charter does: the Marianne on its blue and red ground, the institution's name, the devise.
Nothing is fetched and nothing redrawn by hand, so a new DSFR release brings its artwork here.
"""

import base64
import re
from functools import cache
from urllib.parse import unquote

from django.contrib.staticfiles import finders

DSFR_STYLESHEET = "dsfr/dist/dsfr.min.css"
BLUE = "#000091"  # bleu France
RED = "#e1000f"  # rouge Marianne

_LOGO_IMAGE = r'\.fr-logo:{part}\{{background-image:url\("data:image/svg\+xml;charset=utf8,([^"]+)"'


class ArtworkMissing(RuntimeError):
    """django-dsfr's stylesheet no longer holds the logo as we know it: the documents cannot carry it."""


@cache
def _dsfr_svg(part: str) -> str:
    path = finders.find(DSFR_STYLESHEET)
    if not path:
        raise ArtworkMissing(f"{DSFR_STYLESHEET} not found in the static files")
    with open(path, encoding="utf-8") as stylesheet:
        match = re.search(_LOGO_IMAGE.format(part=part), stylesheet.read())
    if not match:
        raise ArtworkMissing(f".fr-logo:{part} has no SVG image in {DSFR_STYLESHEET}")
    return unquote(match.group(1))


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@cache
def marianne_uri() -> str:
    """The Marianne on her blue and red ground, 44 × 16 units as the DSFR lays her out (1 unit = 1/16 rem)."""
    svg = _dsfr_svg("before")
    body = svg[svg.index(">") + 1 : svg.rindex("</svg>")]
    # The DSFR shifts the 44 × 18 image up by one unit over a 44 × 16 ground.
    return _data_uri(
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 44 16'>"
        f"<rect width='22' height='16' fill='{BLUE}'/><rect x='22' width='22' height='16' fill='{RED}'/>"
        f"<g transform='translate(0 -1)'>{body}</g></svg>"
    )


@cache
def devise_uri() -> str:
    """The devise's lettering in black: the DSFR's sprite holds it in black (top left) and white."""
    svg = _dsfr_svg("after")
    defs = svg[svg.index("<defs>") : svg.index("</defs>") + len("</defs>")]
    black = re.search(r"<use fill='#000'[^>]*/>", svg)
    if not black:
        raise ArtworkMissing("the devise's black lettering is missing from the DSFR sprite")
    return _data_uri(f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 126 90'>{defs}{black.group(0)}</svg>")
