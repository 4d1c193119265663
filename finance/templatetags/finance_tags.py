from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format

from workflows import numbers

register = template.Library()


@register.filter
def money(value):
    """1.234.567,89 in es-ve; a dash when there is no figure (``workflows.numbers``)."""
    return numbers.format_money(value)


def _rounded(value, places):
    """Half up, as people round: Django's number_format cuts digits off instead."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@register.filter
def percent(value, places=1):
    if value is None:
        return "—"
    places = int(places)
    shown = _rounded(Decimal(str(value)) * 100, places)
    return f"{number_format(shown, places, force_grouping=True)} %"


@register.filter
def indicator(value, unit):
    if unit == "ratio":
        return percent(value)
    return money(value)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def attr(obj, name):
    return getattr(obj, name, None)


@register.simple_tag
def data_as_of(day):
    """The "data as of" line of a public page: the latest publication among its data (a
    date, or a moment read as its day in Caracas)."""
    import datetime

    from django.utils import timezone
    from django.utils.html import format_html

    from finance.exports import as_of_text

    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return format_html('<p class="as-of" id="data-as-of">{}</p>', as_of_text(day))
