"""Coordinators update the classifier from a file in the admin; nobody else can."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance.models import ClassifierEntry
from workflows.models import AuditEvent


def test_coordinator_loads_a_classifier_file_in_the_admin(client, coordinator, facilitator_a):
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    url = reverse("admin:finance_classifierentry_import")
    good = "código;denominación;cofog\n4.01.01.99.00;Otras remuneraciones;\n".encode("cp1252")
    bad = good + b"4.01.01.98.00;;\n"

    client.force_login(facilitator_a)
    response = client.post(url, {"file": SimpleUploadedFile("c.csv", good)})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

    client.force_login(coordinator)
    response = client.post(url, {"file": SimpleUploadedFile("c.csv", bad)})
    assert "Fila 3, columna B: la denominación está vacía." in response.content.decode()
    assert not ClassifierEntry.objects.filter(code="4.01.01.99.00").exists()

    response = client.post(url, {"file": SimpleUploadedFile("c.csv", good)})
    assert response.status_code == 302
    assert ClassifierEntry.objects.get(code="4.01.01.99.00").name == "Otras remuneraciones"
    assert AuditEvent.objects.get(action="classifier.loaded").actor == coordinator

    export = client.get(reverse("admin:finance_classifierentry_export"))
    text = export.content.decode()
    assert text.startswith("\ufeffcode,name,cofog")
    assert "4.01.01.99.00,Otras remuneraciones," in text
    assert len(text.splitlines()) == ClassifierEntry.objects.count() + 1
