"""Knowledge fixtures: the theme's specialist, a curator, and a helper to systematise a case."""

import datetime

import pytest

from knowledge import services
from networks.models import Theme
from tests.conftest import make_user
from workflows.roles import Role

STEP_DATA = {
    1: {
        "case-situation_before": "La recolección de desechos cubría el 40 % de la ciudad.",
        "case-records": "Actas del consejo municipal y registros de rutas.",
    },
    2: {
        "case-guiding_questions": "¿Qué hizo posible ampliar la cobertura?",
        "case-objectives": "Cubrir toda la ciudad con rutas concertadas con las comunidades.",
    },
    3: {
        "case-process": "Se rediseñaron las rutas con los consejos comunales.",
        "case-resources": "Dos camiones y el presupuesto participativo.",
    },
    4: {"case-reflection": "Funcionó porque las comunidades fijaron los horarios."},
    5: {
        "case-results": "La cobertura llegó al 95 %.",
        "case-results_type": "coverage",
        "case-lessons": "Concertar antes de comprar equipos.",
        "case-sustainability": "Las tasas de aseo cubren la operación.",
        "case-replicability": "Municipios con consejos comunales activos.",
    },
}


def empty_formset(prefix):
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def step_post(step):
    data = dict(STEP_DATA[step])
    if step == 3:
        data.update(empty_formset("milestones"))
        data.update(
            {
                "milestones-TOTAL_FORMS": "1",
                "milestones-0-date": "2025-03-01",
                "milestones-0-title": "Primera ruta concertada",
                "milestones-0-description": "",
            }
        )
    if step == 5:
        data.update(empty_formset("indicators"))
        data.update(
            {
                "indicators-TOTAL_FORMS": "1",
                "indicators-0-name": "Cobertura de recolección",
                "indicators-0-unit": "%",
                "indicators-0-before": "40",
                "indicators-0-after": "95",
                "indicators-0-source": "Dirección de Servicios",
            }
        )
    return data


@pytest.fixture
def theme(db):
    return Theme.objects.get(slug="servicios-publicos")


@pytest.fixture
def specialist(theme):
    user = make_user("esp_servicios", Role.SPECIALIST)
    theme.specialists.add(user)
    return user


@pytest.fixture
def curator(db):
    return make_user("curadora", Role.KNOWLEDGE_CURATOR)


def registration(municipality, theme, **overrides):
    data = {
        "title": "Rutas de aseo concertadas con las comunidades",
        "municipality": municipality,
        "theme": theme,
        "summary": "Recolección de desechos sólidos planificada con los consejos comunales.",
        "contact_name": "Dirección de Servicios Públicos",
        "contact_email": "servicios@example.org",
        "contact_phone": "",
        "started_on": datetime.date(2025, 1, 15),
        "ended_on": None,
        "partners": "Consejos comunales",
    }
    data.update(overrides)
    return data


def register(user, municipality, theme, **overrides):
    return services.register_case(user, registration(municipality, theme, **overrides))
