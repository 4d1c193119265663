"""Property tests of how numbers are written and read (``workflows.numbers``).

What a page or a form writes, a form reads back unchanged, in both languages; what
someone used to other marks may have meant differently ("1,500", "1.5") is refused
with what to write, never guessed; the finance file reader never reads a number
differently from a form.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from finance import parsing
from workflows.numbers import (
    LARGEST_COUNT,
    CountField,
    MoneyField,
    NumberError,
    NumberField,
    format_count,
    format_figure,
    format_money,
    parse_number,
)

LANGUAGES = ["es-ve", "en"]

# Negative, zero and large, with 0, 1 or 2 decimals (their exponent kept: 1.50 is 2 places).
figures = st.integers(0, 2).flatmap(
    lambda places: st.integers(-(10**15), 10**15).map(lambda n: Decimal(n).scaleb(-places))
)
# The same with at least one decimal that is not zero: a text with those cannot be whole.
fractional = figures.filter(lambda value: value != value.to_integral_value())


@pytest.fixture(autouse=True)
def _spanish():
    with translation.override("es-ve"):
        yield


@pytest.mark.parametrize("language", LANGUAGES)
@given(value=figures)
@example(value=Decimal("1234567.89"))
@example(value=Decimal(-(10**15)))
@example(value=Decimal("-0.01"))
@example(value=Decimal("0.50"))
@example(value=Decimal(0))
def test_a_figure_written_here_reads_back_unchanged(language, value):
    with translation.override(language):
        for written in (format_figure(value), format_money(value)):
            assert parse_number(written) == value, written


@pytest.mark.parametrize("language", LANGUAGES)
@given(value=st.integers(-(10**15), 10**15))
@example(value=1500)
@example(value=-1)
def test_a_count_written_here_reads_back_unchanged(language, value):
    with translation.override(language):
        written = format_count(value)
        assert parse_number(written) == value
        decimal_mark = "," if language == "es-ve" else "."
        assert decimal_mark not in written
        if abs(value) <= LARGEST_COUNT:
            assert CountField(label="Población").clean(written) == value


@pytest.mark.parametrize("language", LANGUAGES)
@given(value=figures.filter(lambda value: abs(value) < 10**15))
def test_a_form_reads_back_what_its_field_shows(language, value):
    """A form opened again sends back what it shows: the value it holds, unchanged."""
    with translation.override(language):
        for field in (NumberField(label="Meta"), MoneyField(label="Presupuesto")):
            shown = field.widget.format_value(value)
            assert field.clean(shown) == value, shown


@given(integer=st.integers(1, 999), thousands=st.integers(0, 999), sign=st.sampled_from(["", "-"]))
@example(integer=1, thousands=500, sign="")
def test_a_lone_comma_before_three_digits_is_refused_naming_the_field(integer, thousands, sign):
    """ "1,500" is one and a half here and fifteen hundred in English: refused, with both."""
    text = f"{sign}{integer},{thousands:03d}"
    with pytest.raises(NumberError) as refused:
        parse_number(text)
    assert refused.value.code == "ambiguous"
    whole = Decimal(integer * 1000 + thousands)
    assert abs(refused.value.readings["thousands"]) == whole
    with pytest.raises(ValidationError) as error:
        NumberField(label="Meta").clean(text)
    (message,) = error.value.messages
    assert message.startswith(f"Meta: «{text}» se puede leer como ")
    assert f"como {format_count(-whole if sign else whole)} o como " in message
    with pytest.raises(ValidationError) as error:
        CountField(label="Población").clean(text)
    assert error.value.messages[0].startswith("Población: los miles se separan con punto")


@given(value=fractional, grouped=st.booleans())
@example(value=Decimal("1.5"), grouped=False)
@example(value=Decimal("1500.75"), grouped=True)
def test_decimals_after_a_point_are_refused_with_what_to_write(value, grouped):
    """ "1.5" or "1,500.75", as written in English: refused, saying how it is written here."""
    text = f"{value:,}" if grouped else str(value)
    with pytest.raises(NumberError) as refused:
        parse_number(text)
    assert refused.value.code == "foreign" and refused.value.readings["reading"] == value
    with pytest.raises(ValidationError) as error:
        NumberField(label="Meta", max_digits=20).clean(text)
    assert error.value.messages == [
        f"Meta: escriba {format_figure(value)} (coma antes de los decimales y punto entre "
        "los miles)."
    ]


@given(text=st.text(alphabet="0123456789.,-+ e\u00a0a", max_size=20))
@example(text="1.50.000")
@example(text="")
@example(text="1e5")
def test_any_text_is_a_number_or_a_refusal_that_says_where(text):
    try:
        value = parse_number(text)
    except NumberError as problem:
        assert problem.code in ("ambiguous", "foreign", "grouping", "invalid")
    else:
        # The file reader reads every number a form reads, and reads it the same.
        assert parse_number(text, lenient=True) == value
        if text.strip() and abs(value) < parsing.MAX_AMOUNT:
            assert parsing.parse_amount(text) == value.quantize(Decimal("0.01"))
    for field in (NumberField(label="Meta", required=False), CountField(label="Días")):
        try:
            field.clean(text)
        except ValidationError as error:
            assert all(message.startswith(f"{field.label}: ") for message in error.messages) or (
                not text.strip() and field.required
            )


@given(value=figures)
def test_the_file_reader_reads_amounts_written_here(value):
    assert parsing.parse_amount(format_money(value)) == value
    assert parsing.parse_amount(format_figure(value)) == value
