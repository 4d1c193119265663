"""The API's documentation: every operation shows an example of what it takes and answers,
each example is true to the schema, the ways of signing in are described, and the
documentation page is served from our own files under the site's CSP."""

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.finance.test_api import SCHEMA_URI, openapi, pointer

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def validator(document, *parts):
    registry = Registry().with_resource(
        SCHEMA_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator(
        {"$ref": f"{SCHEMA_URI}#{pointer(*parts)}/schema"}, registry=registry
    )


def example_values(content):
    if "example" in content:
        yield "example", content["example"]
    for name, example in content.get("examples", {}).items():
        yield name, example["value"]


def test_every_operation_has_examples_true_to_its_schema(client):
    """A new endpoint without an example (or with one its schema refuses) fails here."""
    document = openapi(client)
    missing, wrong, seen = [], [], 0
    for path, method, operation in operations(document):
        seen += 1
        bodies = [
            (("responses", status), response.get("content", {}))
            for status, response in operation["responses"].items()
        ]
        if "requestBody" in operation:
            bodies.append((("requestBody",), operation["requestBody"]["content"]))
        for where, contents in bodies:
            for media_type, content in contents.items():
                label = f"{method.upper()} {path} {'/'.join(where)} {media_type}"
                values = list(example_values(content))
                if not values:
                    missing.append(label)
                    continue
                check = validator(document, "paths", path, method, *where, "content", media_type)
                for name, value in values:
                    errors = [error.message for error in check.iter_errors(value)]
                    if errors:
                        wrong.append(f"{label} «{name}»: {errors[:2]}")
    assert seen >= 25
    assert missing == [], "operations without an example:\n" + "\n".join(missing)
    assert wrong == [], "examples their schema refuses:\n" + "\n".join(wrong)


def test_list_examples_are_shown_as_a_page(client):
    document = openapi(client)
    content = document["paths"]["/api/tasks/"]["get"]["responses"]["200"]["content"]
    (value,) = [value for _name, value in example_values(content["application/json"])]
    assert set(value) >= {"count", "next", "previous", "results"}
    assert value["results"][0]["title"] == "Revisar el convenio: Municipio Sucre"


def test_the_ways_of_signing_in_are_described(client):
    document = openapi(client)
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"tokenAuth", "basicAuth", "cookieAuth"}
    token = schemes["tokenAuth"]
    assert token["type"] == "apiKey" and token["in"] == "header"
    assert token["name"] == "Authorization"
    assert "Token <key>" in token["description"] and "/accounts/profile/" in token["description"]
    assert all(scheme.get("description") for scheme in schemes.values())
    assert "Authentication" in document["info"]["description"]
    # Operations that need a person say so; the open data says it needs nobody.
    tasks = document["paths"]["/api/tasks/"]["get"]["security"]
    assert {"tokenAuth": []} in tasks and {} not in tasks
    lines = document["paths"]["/api/finance/lines/"]["get"].get("security", [{}])
    assert {} in lines or lines == []


def test_the_documentation_page_is_ours_and_public(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Documentación de la API" in page and 'lang="es-ve"' in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page
    assert "<script>" not in page  # no inline script: the site's CSP stays as it is
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"].split()[0] == "'self'"
    assert "unsafe" not in policy["script-src"] and policy["connect-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert "validatorUrl" in script.content.decode()  # no third-party validator badge
    bundle = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200


def test_every_page_links_the_documentation_from_its_footer(client, coordinator):
    for who in (None, coordinator):
        if who:
            client.force_login(who)
        page = client.get("/knowledge/library/" if who is None else "/").content.decode()
        footer = page.split('<footer class="site-footer">')[1]
        assert 'href="/api/docs/"' in footer and "Documentación de la API" in footer
        assert "AGPL-3.0" in footer
