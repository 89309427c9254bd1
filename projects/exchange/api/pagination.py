import base64

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class ReferenceCursor(CursorPagination):
    """Pages in the order of references, stable while files are added; a bad `cursor` or `page_size` is a 400."""

    ordering = "reference"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # isdigit() alone accepts « ² », which int() refuses.
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [_("Un nombre entier de 1 à %(max)s.") % {"max": self.max_page_size}]}
            )
        return int(raw)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        try:
            # DRF skips what is not base64 and reads what is left: an odd cursor would silently restart the list.
            if encoded is not None:
                base64.b64decode(encoded.encode("ascii"), validate=True)
            return super().decode_cursor(request)
        except (NotFound, ValueError):
            raise ValidationError(
                {self.cursor_query_param: [_("Curseur invalide : reprenez l’adresse « next » d’une réponse.")]}
            ) from None
