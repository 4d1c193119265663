from decimal import Decimal

from django import template

from ..models import figure as figure_text

register = template.Library()


@register.filter
def figure(value):
    """An indicator's figure: 5.000 or 12,50 in es-ve, with decimals only when it has some."""
    if value is None or value == "":
        return "—"
    return figure_text(Decimal(str(value)))
