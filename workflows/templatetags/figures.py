"""Figures on pages, written as people here read them: ``{% load figures %}``.

- ``{{ n|count }}``: a count, whole ("4 municipios", "1.500 personas");
- ``{{ amount|money }}``: an amount, with its two decimals ("1.500,00");
- ``{{ value|figure }}``: a measured value, decimals only when it has some ("12,5").

Each writes "—" for a missing value, and a value that is no number as it is. The rule
is ``workflows.numbers``'s, shared with forms (what a form shows, it reads back) and
PDFs.
"""

from django import template

from workflows import numbers

register = template.Library()


def _written(format_, value):
    try:
        return format_(value)
    except (TypeError, ValueError):
        return value  # a template filter never breaks the page


@register.filter
def count(value):
    return _written(numbers.format_count, value)


@register.filter
def money(value):
    return _written(numbers.format_money, value)


@register.filter
def figure(value):
    return _written(numbers.format_figure, value)
