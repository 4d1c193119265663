from decimal import Decimal

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def figure(value):
    """An indicator's figure: 5.000 or 12,50 in es-ve, with decimals only when it has some."""
    if value is None or value == "":
        return "—"
    value = Decimal(str(value))
    places = 0 if value == value.to_integral_value() else 2
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)
