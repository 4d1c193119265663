"""CVs and contracts are checked by their content, not by their name."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF_HEADER = b"%PDF-"
PDF_TRAILER = b"%%EOF"
TAIL = 1024  # a PDF's end-of-file marker sits in its last bytes


def validate_pdf_document(upload):
    """A real PDF (header and end-of-file marker) of at most ``MAX_DOCUMENT_SIZE`` bytes."""
    limit = settings.MAX_DOCUMENT_SIZE
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    if not upload.size:
        raise ValidationError(_("The file is empty."))
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        head = upload.read(len(PDF_HEADER))
        upload.seek(max(0, upload.size - TAIL))
        tail = upload.read(TAIL)
    finally:
        upload.seek(position)
    if head != PDF_HEADER or PDF_TRAILER not in tail:
        raise ValidationError(_("The file is not a PDF document."))
