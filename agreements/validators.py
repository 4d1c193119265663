from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def validate_pdf_document(upload):
    """A signed agreement must be a real PDF of reasonable size, whatever its name says."""
    limit = settings.MAX_DOCUMENT_SIZE
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(5)
    upload.seek(position)
    if head != b"%PDF-":
        raise ValidationError(_("The file is not a PDF document."))
