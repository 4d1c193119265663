"""Checks every upload point shares: archives that unpack to far more than they weigh.

Office documents (.xlsx, .docx, .pptx) are zip archives. ``zipfile`` never inflates a
part past the size the archive declares for it (it fails the CRC check instead), so
the declared sizes are enough to spot a "bomb" before anything is unpacked.
"""

import zipfile

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
