"""Evidence files are checked by their content, not by their name."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from workflows import files

# Extension -> the first bytes such a file starts with.
SIGNATURES = {
    ".pdf": [b"%PDF-"],
    ".png": [b"\x89PNG\r\n\x1a\n"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".docx": [b"PK\x03\x04"],
    ".xlsx": [b"PK\x03\x04"],
    ".pptx": [b"PK\x03\x04"],
    ".odt": [b"PK\x03\x04"],
    ".csv": [],
    ".txt": [],
}
IMAGES = {".png", ".jpg", ".jpeg"}


def validate_evidence_file(upload):
    limit = settings.MAX_DOCUMENT_SIZE
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    extension = os.path.splitext(upload.name)[1].lower()
    if extension not in SIGNATURES:
        raise ValidationError(
            _("Files of type %(extension)s are not accepted; use %(allowed)s.")
            % {"extension": extension or "?", "allowed": ", ".join(sorted(SIGNATURES))}
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(8)
    upload.seek(position)
    signatures = SIGNATURES[extension]
    if signatures and not any(head.startswith(sig) for sig in signatures):
        raise ValidationError(
            _("The file's content is not what its name (%(extension)s) says.")
            % {"extension": extension}
        )
    if not signatures and b"\x00" in head:
        raise ValidationError(_("A text file cannot hold binary data."))
    if extension in (".docx", ".xlsx", ".pptx", ".odt"):
        upload.seek(0)
        try:
            entries = files.zip_entries(upload)
        finally:
            upload.seek(position)
        if entries is None:
            raise ValidationError(_("The document is damaged."))
        if files.has_macros(entries):
            raise ValidationError(_("Documents with macros are not accepted."))
        if files.is_bomb(entries, limit * 20):
            raise ValidationError(
                _(
                    "The document unpacks to much more than it weighs (a compressed “bomb”) "
                    "and is refused."
                )
            )
