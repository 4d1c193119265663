import pytest

from staffing import demo
from staffing.models import Position

pytestmark = pytest.mark.django_db


def test_demo_positions_through_the_flow(django_capture_on_commit_callbacks, mailoutbox):
    from agreements.demo import ensure_users

    users = ensure_users()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(users)
    states = dict(Position.objects.values_list("title", "state"))
    assert states == {
        "Especialista en finanzas municipales": Position.State.FILLED,
        "Especialista en servicios públicos": Position.State.EVALUATING,
    }
    filled = Position.objects.get(state=Position.State.FILLED)
    assert filled.contract.specialist.email == "gabriela.rincon@pagg.example"
    assert [m.to for m in mailoutbox] == [["gabriela.rincon@pagg.example"]]
    demo.seed(users)  # idempotent
    assert Position.objects.count() == 2
