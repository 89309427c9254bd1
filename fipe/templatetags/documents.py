"""Pieces every generated document (letters, minutes…) shares: the State's bloc-marque and the QR code."""

import base64

import segno
from django import template
from django.utils.html import format_html

from fipe import brand

register = template.Library()


def letterhead_lines(title: str) -> list[str]:
    """« Préfet de la région Occitanie » → « Préfet », « de la région », « Occitanie », as the charter stacks it."""
    words = title.split()
    if len(words) <= 2:
        return words
    middle = " ".join(words[1:-1])
    return [words[0], middle, words[-1]]


@register.inclusion_tag("fipe/_bloc_marque.html")
def bloc_marque(title: str):
    return {"lines": letterhead_lines(title), "marianne": brand.marianne_uri(), "devise": brand.devise_uri()}


@register.simple_tag
def qr_code(url: str, label: str):
    """The URL as a QR code, inlined as SVG (vector in the PDF, no file to fetch)."""
    svg = segno.make(url, error="m").svg_inline(scale=1, border=0, dark="#161616")
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return format_html('<img class="qr-code" src="{}" alt="{}">', uri, label)
