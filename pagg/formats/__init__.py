"""Date and number formats per language (FORMAT_MODULE_PATH).

A month inside a written-out date ("7 de diciembre de 2026", the date format's ``E``) is
lower case in Spanish, but Django's own catalogue capitalises it. Our catalogue, which
Django reads first, gives the lower-case names; they are listed here so that
``makemessages`` keeps them.
"""

from django.utils.translation import pgettext_lazy

MONTHS_INSIDE_A_DATE = [
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
]
