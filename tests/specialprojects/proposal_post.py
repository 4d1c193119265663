"""A proposal as a browser posts it: its fields, and its indicators and milestones as rows."""

from django import forms

INDICATOR_FIELDS = ("name", "unit", "baseline", "target")
MILESTONE_FIELDS = ("title", "deliverable", "starts_on", "due_on")


def rows(prefix, values, fields, *, initial=0, spare=0):
    """The management form and one set of fields per row (``spare`` blank rows after)."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(values) + spare),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(values):
        for name, value in zip(fields, row, strict=True):
            data[f"{prefix}-{index}-{name}"] = str(value)
    for index in range(len(values), len(values) + spare):
        for name in fields:
            data[f"{prefix}-{index}-{name}"] = ""
    return data


def proposal(*, indicators, milestones, spare=0, **fields):
    """``indicators``: (name, unit, baseline, target) rows; ``milestones``: (title,
    deliverable, start, due) rows, dates as a browser's date picker sends them."""
    data = {"comment": "", **fields}
    data.update(rows("indicators", indicators, INDICATOR_FIELDS, spare=spare))
    data.update(
        rows(
            "milestones",
            [(t, d, _day(s), _day(e)) for t, d, s, e in milestones],
            MILESTONE_FIELDS,
            spare=spare,
        )
    )
    return data


def _day(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def as_opened(form):
    """What the browser sends back when the person changes nothing on ``form``."""
    data = {}
    for bound in form:
        _put(data, bound)
    for formset in (form.indicator_rows, form.milestone_rows):
        data.update({f.html_name: f.value() for f in formset.management_form})
        for row in formset:
            for bound in row:
                if bound.name != "DELETE":
                    _put(data, bound)
    return data


def _put(data, bound):
    """A field's value as its widget shows it (a localised figure, a picker's date)."""
    value = bound.value()
    if value is None:
        data[bound.html_name] = ""
    elif isinstance(value, list):
        data[bound.html_name] = [str(v) for v in value]
    elif isinstance(bound.field.widget, forms.Select):
        data[bound.html_name] = str(value)
    else:
        data[bound.html_name] = bound.field.widget.format_value(value) or ""
