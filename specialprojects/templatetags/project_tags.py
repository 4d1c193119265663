from django import template

from workflows import numbers

register = template.Library()


@register.filter
def figure(value):
    """An indicator's figure: 5.000 or 12,5 in es-ve, with decimals only when it has some
    (``workflows.numbers``, as the proposal's fields show it)."""
    return numbers.format_figure(value)
