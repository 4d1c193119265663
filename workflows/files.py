"""What every upload point shares: refusing archives that unpack to far more than they
weigh, and sending a stored upload back to download.

Office documents (.xlsx, .docx, .pptx) are zip archives. ``zipfile`` never inflates a
part past the size the archive declares for it (it fails the CRC check instead), so
the declared sizes are enough to spot a "bomb" before anything is unpacked.
"""

import mimetypes
import zipfile

from django.http import FileResponse

MAX_ENTRIES = 500  # an office document holds a few dozen parts
MAX_RATIO = 200  # XML compresses about 10:1; bombs compress thousands to one
RATIO_FLOOR = 1024 * 1024  # small parts may compress as they like


def zip_entries(fileobj):
    """The archive's entries, or ``None`` when it is not a readable zip archive."""
    try:
        return zipfile.ZipFile(fileobj).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return None


def is_bomb(entries, max_unpacked):
    """Too many parts, one part far denser than a document's, or too much in all."""
    too_dense = any(
        info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        for info in entries
    )
    total = sum(info.file_size for info in entries)
    return len(entries) > MAX_ENTRIES or too_dense or total > max_unpacked


def has_macros(entries):
    return any(info.filename.lower().endswith("vbaproject.bin") for info in entries)


def private(response):
    """A document read behind a permission: kept by no shared cache (``private,
    no-store``), and read as the type it is sent as (``nosniff``)."""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment(field_file, *, filename=None, content_type=None, inline=False):
    """A stored file that people uploaded, sent to download (or, ``inline``, shown: an
    image), never run by the browser.

    What people upload (a CV, a contract, a deliverable) may claim to be one type and
    be another: ``nosniff`` keeps the browser to the type sent, the sandbox keeps an
    opened file from running scripts.
    """
    filename = filename or field_file.name.rsplit("/", 1)[-1]
    content_type = content_type or mimetypes.guess_type(filename)[0]
    response = FileResponse(
        field_file.open("rb"),
        as_attachment=not inline,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return private(response)
