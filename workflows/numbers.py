"""Numbers as people here write and read them: ``1.234.567,89`` in es-VE.

One rule, in one place, for every number a person types into a form and for how
figures read on pages and in PDFs. The marks are the active language's (es-VE: a
comma before the decimals, a point between thousands; English the other way round).

Reading (``parse_number``). "1.500", "1.500,75", "1500,75" and "1500" are read as
written here. What someone used to other marks may have meant differently is refused
with what to write instead, never guessed, because a guess stores a figure a thousand
times off without anyone noticing (a target typed "1.500" once became 1,50):

- ``ambiguous``: a lone comma before exactly three digits ("1,500"), which is one and a
  half here and fifteen hundred in English;
- ``foreign``: marks that only read the other way ("1.5", "1500.75", "1,500.75"), or a
  point where the decimals begin ("180.000.50");
- ``grouping``: points that do not fall every three digits ("1.50.000").

The finance file reader reads spreadsheets with the same marks but cannot ask the file
what it meant, and spreadsheets written elsewhere ("1234.56") are common: it calls
``parse_number(..., lenient=True)``, which resolves those cases as files usually mean
them (the last mark is the decimal one; a lone point is thousands before exactly three
digits, a decimal point otherwise).

Writing. ``format_count`` (whole: "1.500 personas"), ``format_money`` (two decimals:
"1.500,00"), ``format_figure`` (a measured value as people write it: "1.500", "12,5").
They round half up, as people do (Django's ``number_format`` cuts digits off), never
show "-0", group every thousand, and return "—" for a missing value. The template
filters of the same names are in ``workflows/templatetags/figures.py``.

Forms. ``NumberField`` (a figure), ``MoneyField`` (an amount) and ``CountField`` (a whole
number) read with ``parse_number`` and show their value with the matching format, so
that a form opened again sends back exactly what it shows. Their errors name the field,
so that they read right in a summary and to a screen reader.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import formats
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

MISSING = "—"
# The largest whole number a form takes: what every database's integer column holds.
LARGEST_COUNT = 2**31 - 1


class NumberError(ValueError):
    """Text that is no number here; ``code`` says why, ``readings`` what it could mean.

    ``readings``: for ``ambiguous``, ``thousands`` and ``decimal`` (the two values); for
    ``foreign``, ``reading`` (the value the other marks give); for ``grouping``,
    ``reading`` (the digits as one whole number).
    """

    def __init__(self, code, text, **readings):
        super().__init__(text)
        self.code, self.text, self.readings = code, text, readings


def marks():
    """The active language's decimal mark and thousands mark."""
    return formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")


def _read(body, decimal, thousands):
    """``body`` (digits and marks, no sign) as a Decimal under these marks; None if it
    does not read. ``decimal`` None: the text has no decimal part."""
    integer, sep, fraction = body.partition(decimal) if decimal else (body, "", "")
    if fraction and not fraction.isdigit():
        return None  # "12," is twelve: a mark left at the end says nothing
    if thousands in integer:
        groups = integer.split(thousands)
        if not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:]):
            return None
        integer = "".join(groups)
    if not integer.isdigit():
        return None
    try:
        return Decimal(f"{integer}.{fraction}" if fraction else integer)
    except InvalidOperation:
        return None  # a character Unicode counts as a digit and Decimal does not ("²")


def _split_sign(text):
    negative = text.startswith("-")
    return negative, text[1:] if negative else text


def parse_number(text, *, lenient=False, decimal=None, thousands=None):
    """``text`` as a Decimal, read with the active language's marks (or those given).

    Raises ``NumberError``. Surrounding spaces are ignored; a leading minus is a sign.
    ``lenient`` reads as a file is read (see the module's docstring), never refusing
    text that reads some way.
    """
    if decimal is None or thousands is None:
        decimal, thousands = marks()
    original = text
    negative, body = _split_sign(str(text).strip())
    if not body or not body[0].isdigit():
        raise NumberError("invalid", original)
    if lenient:
        file_marks = _file_marks(body, decimal, thousands)
        value = _read(body, *file_marks) if file_marks else None
    else:
        value = _read(body, decimal, thousands)
        if value is not None and _ambiguous(body, decimal, thousands):
            integer, _sep, fraction = body.partition(decimal)
            raise NumberError(
                "ambiguous",
                original,
                thousands=_signed(Decimal(integer + fraction), negative),
                decimal=_signed(value, negative),
            )
        if value is None:
            other = _read(body, thousands, decimal)
            if other is None and decimal not in body:  # "180.000.50": the last point meant ","
                head, _sep, tail = body.rpartition(thousands)
                other = _read(f"{head}{decimal}{tail}", decimal, thousands) if head else None
            if other is not None:
                raise NumberError("foreign", original, reading=_signed(other, negative))
            digits = body.replace(thousands, "")
            if decimal not in body and digits.isdigit():
                raise NumberError("grouping", original, reading=_signed(Decimal(digits), negative))
    if value is None:
        raise NumberError("invalid", original)
    return _signed(value, negative)


def _signed(value, negative):
    return -value if negative else value


def _ambiguous(body, decimal, thousands):
    """A lone decimal mark before exactly three digits, where the other marks would read
    thousands: "1,500" (but not "0,500", which nobody writes for five hundred)."""
    if thousands in body or body.count(decimal) != 1:
        return False
    integer, _sep, fraction = body.partition(decimal)
    return len(fraction) == 3 and 1 <= len(integer) <= 3 and not integer.startswith("0")


def _file_marks(body, decimal, thousands):
    """The marks a file most likely meant: with both kinds present the last one is the
    decimal mark; a lone comma is decimal; points alone are thousands when they fall
    every three digits, and a single one otherwise is a decimal point. None: no reading."""
    last_decimal, last_thousands = body.rfind(decimal), body.rfind(thousands)
    if last_decimal >= 0 and last_thousands >= 0:
        return (decimal, thousands) if last_decimal > last_thousands else (thousands, decimal)
    if last_decimal >= 0:
        return (decimal, thousands) if body.count(decimal) == 1 else None
    if last_thousands >= 0:
        if _read(body, None, thousands) is not None:
            return None, thousands
        return (thousands, decimal) if body.count(thousands) == 1 else None
    return None, thousands


# Writing


def _decimal(value):
    if isinstance(value, bool):
        raise TypeError(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def format_number(value, places):
    """``value`` rounded half up to ``places`` decimals (None: as it is), grouped."""
    number = _decimal(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # never "-0"
    return formats.number_format(number, places, use_l10n=True, force_grouping=True)


def format_count(value):
    """A count: whole and grouped ("1.500 personas"); "—" when missing."""
    return MISSING if value is None or value == "" else format_number(value, 0)


def format_money(value):
    """An amount: two decimals, grouped ("1.500,00"); "—" when missing."""
    return MISSING if value is None or value == "" else format_number(value, 2)


def format_figure(value, max_places=2):
    """A measured figure as people write it: decimals only when it has some, at most
    ``max_places`` ("1.500", "12,5", "0,75"); "—" when missing."""
    if value is None or value == "":
        return MISSING
    number = _decimal(value).quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    places = max_places
    while places and number == number.quantize(Decimal(1).scaleb(1 - places)):
        places -= 1
    return format_number(number, places)


# Forms

ERRORS = {
    "ambiguous": _(
        "%(field)s: “%(value)s” could be %(thousands)s or %(decimal)s: write the one you mean."
    ),
    "ambiguous_whole": _("%(field)s: thousands are separated with a comma: write %(thousands)s."),
    # Translators: describe your language's marks (Spanish: a comma before the decimals,
    # a point between thousands).
    "foreign": _(
        "%(field)s: write %(suggestion)s (a point before the decimals, a comma between thousands)."
    ),
    # Translators: your language's thousands mark.
    "grouping": _(
        "%(field)s: separate thousands with a comma every three digits, as in %(suggestion)s."
    ),
    "invalid": _("%(field)s: write a number, such as %(example)s."),
    "whole": _("%(field)s: write a whole number, without decimals."),
    "large": _("%(field)s: the number is too large."),
    "min_value": _("%(field)s: write %(limit)s or more."),
    "max_value": _("%(field)s: write %(limit)s or less."),
}
# Django's validators' codes, as ``ERRORS`` names them.
VALIDATOR_CODES = {"max_digits": "large", "max_whole_digits": "large"}


class NumberInput(forms.TextInput):
    """A number typed as written here, on a phone's numeric keyboard.

    Not ``<input type="number">``: a browser sends that in its own format whatever the
    person typed, and refuses "1.500".
    """

    def __init__(self, attrs=None, *, formatter=format_figure, inputmode="decimal"):
        super().__init__({"inputmode": inputmode, "autocomplete": "off", **(attrs or {})})
        self.formatter = formatter

    def format_value(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return self.formatter(value)
        return str(value)  # what was typed, to be corrected rather than written again


class ReadsNumbers:
    """What ``NumberField``, ``MoneyField`` and ``CountField`` share: reading and errors."""

    formatter = staticmethod(format_figure)
    inputmode = "decimal"
    example = Decimal("1500.75")

    def _widget(self, kwargs):
        kwargs.setdefault("widget", NumberInput(formatter=self.formatter, inputmode=self.inputmode))
        kwargs.pop("localize", None)  # the widget formats by itself
        return kwargs

    def error(self, code, **params):
        label = self.label or gettext("Number")
        return ValidationError(ERRORS[code], code=code, params={"field": label, **params})

    def read(self, value):
        """``value`` (typed text, or a number from code) as a Decimal."""
        if isinstance(value, bool):
            raise self.error("invalid", example=self.formatter(self.example))
        if isinstance(value, int | Decimal | float):
            try:
                return _decimal(value)
            except ValueError:
                raise self.error("invalid", example=self.formatter(self.example)) from None
        try:
            return parse_number(str(value))
        except NumberError as problem:
            raise self.refusal(problem) from None

    def refusal(self, problem):
        readings = problem.readings
        if problem.code == "ambiguous":
            return self.error(
                "ambiguous",
                value=problem.text.strip(),
                thousands=format_figure(readings["thousands"]),
                decimal=format_figure(readings["decimal"], max_places=3),
            )
        if problem.code in ("foreign", "grouping"):
            return self.error(problem.code, suggestion=format_figure(readings["reading"]))
        return self.error("invalid", example=self.formatter(self.example))

    def run_validators(self, value):
        try:
            super().run_validators(value)
        except ValidationError as error:
            raise ValidationError([self.rephrased(e) for e in error.error_list]) from None

    def rephrased(self, error):
        """Django's validators' messages, naming the field and with figures written here."""
        code = VALIDATOR_CODES.get(error.code, error.code)
        params = error.params or {}
        if code in ("min_value", "max_value"):
            return self.error(code, limit=format_figure(params["limit_value"]))
        if code == "large":
            return self.error("large")
        if code == "max_decimal_places":
            places = params.get("max", 0)
            return ValidationError(
                ngettext(
                    "%(field)s: at most %(places)s decimal.",
                    "%(field)s: at most %(places)s decimals.",
                    places,
                ),
                code=code,
                params={"field": self.label or gettext("Number"), "places": places},
            )
        return error


class NumberField(ReadsNumbers, forms.DecimalField):
    """A measured figure (an indicator's baseline or target), as people here type it."""

    def __init__(self, *, max_digits=18, decimal_places=2, **kwargs):
        super().__init__(
            max_digits=max_digits, decimal_places=decimal_places, **self._widget(kwargs)
        )

    def to_python(self, value):
        value = value.strip() if isinstance(value, str) else value
        if value in self.empty_values:
            return None
        return self.read(value)


class MoneyField(NumberField):
    """An amount: read as a figure, shown with its two decimals ("180.000,50")."""

    formatter = staticmethod(format_money)

    def __init__(self, *, max_digits=20, decimal_places=2, **kwargs):
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)


class CountField(ReadsNumbers, forms.IntegerField):
    """A whole number (a population, months, days): "1.500" is fifteen hundred."""

    formatter = staticmethod(format_count)
    inputmode = "numeric"
    example = Decimal(1500)

    def __init__(self, **kwargs):
        super().__init__(**self._widget(kwargs))

    def to_python(self, value):
        value = value.strip() if isinstance(value, str) else value
        if value in self.empty_values:
            return None
        number = self.read(value)
        if number != number.to_integral_value():
            raise self.error("whole")
        if abs(number) > LARGEST_COUNT:
            raise self.error("large")
        return int(number)

    def refusal(self, problem):
        readings = problem.readings
        if problem.code == "ambiguous":
            return self.error("ambiguous_whole", thousands=format_count(readings["thousands"]))
        reading = readings.get("reading")
        if problem.code == "foreign" and reading != reading.to_integral_value():
            return self.error("whole")
        return super().refusal(problem)


def formfield(model_field, **kwargs):
    """A model form's field for ``model_field``: its numbers read as written here.

    For ``Meta.formfield_callback`` (or a formset factory's). A whole number takes the
    model's limits (``MinValueValidator``...), so that the form refuses them naming the
    field rather than the model's validation in Django's words.
    """
    if isinstance(model_field, models.DecimalField):
        return model_field.formfield(**{"form_class": NumberField, **kwargs})
    if isinstance(model_field, models.IntegerField) and not model_field.choices:
        lows = [v.limit_value for v in model_field.validators if isinstance(v, MinValueValidator)]
        highs = [v.limit_value for v in model_field.validators if isinstance(v, MaxValueValidator)]
        limits = {}
        if lows := [low for low in lows if not callable(low)]:
            limits["min_value"] = max(lows)
        if highs := [high for high in highs if not callable(high)]:
            limits["max_value"] = min(highs)
        return model_field.formfield(**{"form_class": CountField, **limits, **kwargs})
    return model_field.formfield(**kwargs)
