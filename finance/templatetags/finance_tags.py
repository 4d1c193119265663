from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def money(value):
    """1.234.567,89 in es-ve; a dash when there is no figure."""
    if value is None or value == "":
        return "—"
    return number_format(value, 2, force_grouping=True)


@register.filter
def percent(value, places=1):
    if value is None:
        return "—"
    return f"{number_format(value * 100, int(places), force_grouping=True)} %"


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
