"""The OpenAPI document matches the API: its routes, its parameters, its limits, its bodies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search import MAX_QUERY_LENGTH, MAX_RELATED, SearchRequest
from web.openapi import openapi_document


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: a bool is an int in Python, not in JSON
        return "boolean"
    if isinstance(value, int):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object"}
    return names[type(value)]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def schema_errors(
    document: dict[str, Any], schema: dict[str, Any], value: Any, at: str
) -> list[str]:
    """The ways ``value`` breaks ``schema`` (the JSON Schema subset the document uses)."""
    schema = resolve(document, schema)
    errors: list[str] = []
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        found = json_type(value)
        if found not in allowed and not (found == "integer" and "number" in allowed):
            return [f"{at}: {value!r} is not {allowed}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{at}: missing {name}")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                errors += schema_errors(document, properties[name], item, f"{at}.{name}")
            elif extra is False:
                errors.append(f"{at}: undocumented property {name}")
            elif isinstance(extra, dict):
                errors += schema_errors(document, extra, item, f"{at}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += schema_errors(document, schema["items"], item, f"{at}[{index}]")
    return errors


def api_routes(app: Flask) -> dict[str, set[str]]:
    """OpenAPI-style path -> methods, for every route of the api blueprint."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(
                method.lower() for method in rule.methods or () if method not in ("HEAD", "OPTIONS")
            )
    return routes


def parameters(document: dict[str, Any], path: str, where: str) -> dict[str, dict[str, Any]]:
    operation = document["paths"][path]["get"]
    found = (resolve(document, p) for p in operation.get("parameters", []))
    return {p["name"]: p for p in found if p["in"] == where}


def test_openapi_document_is_version_3_1(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1.")
    assert document == openapi_document()


def test_openapi_lists_every_api_route_and_no_other(app: Flask) -> None:
    documented = {
        path: {method for method in item if method in ("get", "post", "put", "delete", "patch")}
        for path, item in openapi_document()["paths"].items()
    }
    assert documented == api_routes(app)


def test_openapi_path_parameters_match_the_url_rules(app: Flask) -> None:
    document = openapi_document()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            assert set(parameters(document, path, "path")) == set(rule.arguments), path


def test_openapi_search_parameters_are_the_ones_parse_request_reads() -> None:
    # SearchRequest.to_dict() is keyed by the query-string names parse_request reads.
    documented = parameters(openapi_document(), "/api/search", "query")
    # format chooses the response's form (web/api.py), not the search.
    assert set(documented) - {"format"} == set(SearchRequest(q="").to_dict())


def test_openapi_states_the_limits_the_api_enforces(client: FlaskClient) -> None:
    document = openapi_document()
    search = parameters(document, "/api/search", "query")
    assert search["q"]["schema"]["maxLength"] == MAX_QUERY_LENGTH
    per_page_max = search["per_page"]["schema"]["maximum"]
    assert client.get(f"/api/search?per_page={per_page_max}").status_code == 200
    assert client.get(f"/api/search?per_page={per_page_max + 1}").status_code == 400
    limit = parameters(document, "/api/articles/{article_id}/related", "query")["limit"]
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, MAX_RELATED)
    assert set(search["sort"]["schema"]["enum"]) == {"relevance", "newest", "oldest"}


def test_openapi_references_all_resolve() -> None:
    document = openapi_document()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                resolve(document, node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)


def response_schema(document: dict[str, Any], path: str, status: int) -> dict[str, Any]:
    response = resolve(document, document["paths"][path]["get"]["responses"][str(status)])
    return response["content"]["application/json"]["schema"]


def first_id(client: FlaskClient) -> str:
    return client.get("/api/search?q=&per_page=1").get_json()["results"][0]["id"]


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/api/search", "/api/search?q=&per_page=3"),
        ("/api/articles/{article_id}", "/api/articles/{id}"),
        ("/api/articles/{article_id}/related", "/api/articles/{id}/related"),
        ("/api/stats", "/api/stats"),
    ],
)
def test_openapi_success_schemas_describe_the_responses(
    client: FlaskClient, path: str, url: str
) -> None:
    document = openapi_document()
    response = client.get(url.format(id=first_id(client)))
    assert response.status_code == 200
    schema = response_schema(document, path, 200)
    assert schema_errors(document, schema, response.get_json(), path) == []


@pytest.mark.parametrize(
    ("path", "url", "status"),
    [
        ("/api/search", "/api/search?page=0", 400),
        ("/api/articles/{article_id}", "/api/articles/nosuch", 404),
        ("/api/articles/{article_id}/related", "/api/articles/nosuch/related", 404),
        ("/api/articles/{article_id}/related", "/api/articles/nosuch/related?limit=0", 400),
    ],
)
def test_openapi_error_schemas_describe_the_error_responses(
    client: FlaskClient, path: str, url: str, status: int
) -> None:
    document = openapi_document()
    response = client.get(url)
    assert response.status_code == status
    schema = response_schema(document, path, status)
    assert schema_errors(document, schema, response.get_json(), path) == []


def test_openapi_documents_503_for_every_route_that_reads_the_index(
    no_index_client: FlaskClient,
) -> None:
    document = openapi_document()
    for path, item in document["paths"].items():
        url = path.replace("{article_id}", "0123456789abcdef")
        status = no_index_client.get(url).status_code
        assert str(status) in item["get"]["responses"], (path, status)
