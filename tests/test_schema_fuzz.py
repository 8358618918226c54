"""Schemathesis against the API's own OpenAPI schema, in process: no 5xx, and every answer as the schema says.

The schema is read from /api/schema/ and each operation's requests are generated from it, both valid ones
(positive: what the schema allows) and invalid ones (negative: what it does not, which the API must refuse).
Requests go through Django's test client, so they see the test database; each answer is checked by
schemathesis: not a server error, a status and a content type the schema documents, a body that matches the
schema, and invalid data refused. Fixed seed (derandomize), a bounded number of examples per operation.
"""
from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "100"))
OPERATIONS = [
    "/api/",
    "/api/decisions/",
    "/api/decisions/FT-{number}/",
    "/api/authorities/",
    "/api/authorities/{slug}/",
    "/api/organisations/",
    "/api/organisations/{slug}/",
    "/api/stats/",
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api_schema(client):
    return schemathesis.openapi.from_dict(client.get("/api/schema/?format=json").json())


def _answer(client, case) -> Response:
    """The case asked of the Django test client, and its answer in the form schemathesis checks."""
    sent = requests.Request(**{
        key: value for key, value in case.as_transport_kwargs(base_url="http://testserver").items()
        if key in ("method", "url", "params", "headers")
    }).prepare()
    url = urlsplit(sent.url)
    response = client.get(url.path, QUERY_STRING=url.query)
    return Response(
        status_code=response.status_code,
        headers={key: [value] for key, value in response.items()},
        content=response.content,
        request=sent,
        elapsed=0.0,
        verify=True,
        encoding=response.charset,
    )


def test_the_schema_documents_the_operations_fuzzed_here(api_schema):
    documented = {result.ok().path for result in api_schema.get_all_operations()}
    assert documented == set(OPERATIONS)


# The API root takes no parameters: there is no invalid request to make of it (a test below pins that).
WITHOUT_PARAMETERS = {"/api/"}


def test_only_the_api_root_takes_no_parameters(api_schema):
    paths = api_schema.raw_schema["paths"]
    assert {path for path in OPERATIONS if not paths[path]["get"].get("parameters")} == WITHOUT_PARAMETERS


@pytest.mark.parametrize(
    ("path", "mode"),
    [(path, GenerationMode.POSITIVE) for path in OPERATIONS]
    + [(path, GenerationMode.NEGATIVE) for path in OPERATIONS if path not in WITHOUT_PARAMETERS],
    ids=str,
)
def test_the_api_answers_as_its_schema_says(client, sample, api_schema, caplog, path, mode):
    caplog.set_level(logging.ERROR, logger="django.request")
    operation = api_schema[path]["GET"]
    statuses: dict[int, int] = {}

    @settings(
        max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def requests_from_the_schema(case) -> None:
        response = _answer(client, case)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)

    requests_from_the_schema()
    print(f"{path} {mode}: {sum(statuses.values())} requests, {dict(sorted(statuses.items()))}")
    assert not [status for status in statuses if status >= 500]


@pytest.mark.parametrize("path", ["/api/authorities/a%0Ab/", "/api/organisations/%0A/", "/api/x%0Ay/z/"])
def test_an_api_address_with_a_newline_in_it_is_a_404_in_json(client, path):
    # Found by the fuzzing above: the catch-all's "." did not match a newline, so the site's HTML 404 answered.
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
