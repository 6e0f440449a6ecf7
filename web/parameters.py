"""The JSON API's query parameters checked against its own OpenAPI document.

The document (:mod:`web.openapi`) is the contract; this module holds requests to it, so the two
cannot drift (Schemathesis checks the pair from the outside: tests/test_schemathesis.py).  For the
route a request matched, every query parameter must be one the document lists for it, given once
unless its schema is an array (a repeatable filter such as ``source=A&source=B``), and each value
must be valid against the parameter's schema (integers written as integers, enums, patterns,
``format: date``, lengths).  A request that breaks any of these gets a 400 naming the parameter and
what it accepts.  Checking the meaning of valid values (``from`` after ``to``) stays with
:func:`search.parse_request`.

Unknown parameters are refused rather than ignored: ``limit=5`` on ``/api/search`` (which pages
with ``per_page``) or ``qeury=`` would otherwise answer something other than what was asked,
silently.  The HTML pages are not checked here: a form sends its empty fields, and a link may
carry tracking parameters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from werkzeug.datastructures import MultiDict

from search import BadRequestError
from web.openapi import openapi_document

_INTEGER = re.compile(r"^[+-]?\d{1,18}$")
_FLASK_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def spec_path(rule: str) -> str:
    """A Flask URL rule as an OpenAPI path (``/api/articles/<article_id>`` ->
    ``/api/articles/{article_id}``)."""
    return _FLASK_VARIABLE.sub(r"{\1}", rule)


@functools.cache
def _query_parameters(path: str, method: str) -> dict[str, dict[str, Any]]:
    """Name -> schema of the query parameters the document lists for one operation."""
    operation = openapi_document()["paths"].get(path, {}).get(method.lower(), {})
    return {
        parameter["name"]: parameter.get("schema", {})
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query"
    }


@functools.cache
def _validator(path: str, method: str, name: str) -> Draft202012Validator:
    schema = _query_parameters(path, method)[name]
    return Draft202012Validator(schema, format_checker=FormatChecker())


def check_query(rule: str, method: str, args: MultiDict[str, str]) -> None:
    """Raise BadRequestError unless ``args`` are what the document allows for the operation at
    ``rule`` (a Flask URL rule) and ``method``."""
    path = spec_path(rule)
    known = _query_parameters(path, method)
    unknown = sorted(name for name in args if name not in known)
    if unknown:
        names = ", ".join(unknown)
        accepted = ", ".join(known) or "none"
        raise BadRequestError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {names}; {path} accepts: "
            f"{accepted} (see /api/openapi.json)"
        )
    for name in args:
        values = args.getlist(name)
        schema = known[name]
        if schema.get("type") == "array":
            instance: Any = [_typed(value, schema.get("items", {})) for value in values]
        elif len(values) > 1:
            repeatable = [other for other, s in known.items() if s.get("type") == "array"]
            hint = f" (only {', '.join(repeatable)} may be repeated)" if repeatable else ""
            raise BadRequestError(f"{name} is given {len(values)} times; give it once{hint}")
        else:
            instance = _typed(values[0], schema)
        if not _validator(path, method, name).is_valid(instance):
            raise BadRequestError(f"{name} must be {_expected(schema)}, not {values[0]!r}")


_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _typed(value: str, schema: Mapping[str, Any]) -> Any:
    """The value as the schema's type reads it: integers from their digits, booleans from
    true/false (and 1/0) (anything else stays a string, which the validator then refuses)."""
    if schema.get("type") == "integer" and _INTEGER.match(value):
        return int(value)
    if schema.get("type") == "boolean" and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]
    return value


def _expected(schema: Mapping[str, Any]) -> str:
    """What a schema accepts, in words, for error messages."""
    if schema.get("type") == "array":
        return _expected(schema.get("items", {})) + " each time it is given"
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    if schema.get("type") == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"a whole number from {low} to {high}"
        return "a whole number"
    if "x-expected" in schema:
        return str(schema["x-expected"])
    if "maxLength" in schema:
        return f"text of at most {schema['maxLength']} characters"
    return "text"
