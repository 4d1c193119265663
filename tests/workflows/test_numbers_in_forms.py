"""Every form that takes a number from a person reads it with the one rule
(``workflows.numbers``): "1.500" is fifteen hundred, "1,500" is refused naming the field;
and pages show counts whole."""

import importlib
import inspect
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements.forms import StartOnboardingForm
from agreements.models import Municipality
from knowledge.forms import IndicatorFormSet
from specialprojects.forms import IndicatorRowForm, ProposalForm
from staffing.forms import PositionForm
from workflows.forms import SlaPolicyForm
from workflows.numbers import ReadsNumbers

from ..conftest import AUTHORITIES

# Numbers that are not quantities a person types: a year and a quarter (identifiers,
# never written "2.026"), and a choice offered in a list.
NOT_TYPED_FIGURES = {
    ("finance.forms", "PeriodForm", "year"),
    ("finance.forms", "PeriodForm", "quarter"),
    ("workflows.forms", "AuditSearchForm", "region"),
}
NUMBERS = (forms.IntegerField, forms.DecimalField, forms.FloatField)
PROJECT_APPS = {
    "agreements",
    "finance",
    "knowledge",
    "networks",
    "notifications",
    "reports",
    "specialprojects",
    "staffing",
    "workflows",
}


def project_forms():
    """Each form class (and each formset's form) defined in an app's ``forms`` module."""
    for config in apps.get_app_configs():
        if config.name not in PROJECT_APPS:
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, forms.BaseFormSet):
                value = getattr(value, "form", None)  # a factory's; a base class has none
            if inspect.isclass(value) and issubclass(value, forms.BaseForm):
                if value.__module__ == module.__name__ or name.endswith("FormSet"):
                    yield module.__name__, name, value


def test_every_number_a_person_types_is_read_by_the_one_rule():
    seen, stray = set(), []
    for module, name, form in project_forms():
        for field_name, field in form.base_fields.items():
            if isinstance(field, NUMBERS):
                seen.add((module, name, field_name))
                if not isinstance(field, ReadsNumbers) and (
                    (module, name, field_name) not in NOT_TYPED_FIGURES
                ):
                    stray.append(f"{module}.{name}.{field_name}")
    assert not stray, f"read with Django's own rule, not workflows.numbers: {stray}"
    # The scan sees the forms it should (a formset's form included).
    assert ("knowledge.forms", "IndicatorFormSet", "before") in seen
    assert ("agreements.forms", "StartOnboardingForm", "population") in seen


FIELDS = {
    "population": lambda: StartOnboardingForm.base_fields["population"],
    "term": lambda: PositionForm.base_fields["term_months"],
    "sla days": lambda: SlaPolicyForm.base_fields["days"],
    "case result": lambda: IndicatorFormSet.form.base_fields["before"],
    "project target": lambda: IndicatorRowForm.base_fields["target"],
    "budget": lambda: ProposalForm.base_fields["budget"],
}


@pytest.mark.parametrize("which", FIELDS)
def test_each_number_field_reads_spanish_figures_and_refuses_naming_itself(which):
    field = FIELDS[which]()
    assert field.clean("12") == 12
    for ambiguous in ("1,500", "12.5"):
        with pytest.raises(ValidationError) as refused:
            field.clean(ambiguous)
        (message,) = refused.value.messages
        assert message.startswith(f"{field.label}: "), message
    # What it shows is what it reads back ("12" and not "12,00" for a count).
    assert field.widget.format_value(12) in ("12", "12,00")
    assert 'type="number"' not in field.widget.render("x", 12)  # a browser's own format


def test_a_population_typed_with_its_thousands_is_stored_and_shown_whole(
    client, facilitator_a, municipality_a
):
    client.force_login(facilitator_a)
    data = {"municipality": municipality_a.pk, **AUTHORITIES, "population": "12.500"}
    assert client.post(reverse("agreements:start_onboarding"), data).status_code == 302
    municipality = Municipality.objects.get(pk=municipality_a.pk)
    assert municipality.population == 12500
    page = client.get(reverse("agreements:municipality_detail", args=[municipality.pk]))
    assert "12.500" in page.content.decode() and "12.500,00" not in page.content.decode()

    data["population"] = "12,500"
    response = client.post(reverse("agreements:start_onboarding"), data)
    assert response.context["form"].errors["population"] == [
        "Población: los miles se separan con punto: escriba 12.500."
    ]


def test_a_case_result_counted_in_people_reads_whole(
    client, coordinator, facilitator_a, municipality_a
):
    """The library showed "600,00 personas": a count reads whole, a share its decimals."""
    from knowledge.models import ResultIndicator
    from networks.models import Theme
    from tests.knowledge.conftest import register

    case = register(facilitator_a, municipality_a, Theme.objects.order_by("pk").first())
    ResultIndicator.objects.create(
        case=case, name="Participantes", unit="personas", before=600, after=9400
    )
    ResultIndicator.objects.create(
        case=case, name="Cobertura", unit="%", before=Decimal("12.50"), after=95
    )
    client.force_login(coordinator)
    page = client.get(reverse("knowledge:case_detail", args=[case.pk])).content.decode()
    assert '"num">600<' in page and '"num">9.400<' in page and '"num">12,5<' in page
    assert "600,00" not in page and "9.400,00" not in page
