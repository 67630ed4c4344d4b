"""Request bodies: JSON parsing, validation against the OpenAPI document's schemas, contact normalisation."""
from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import phonenumbers
import yaml
from email_validator import EmailNotValidError, validate_email
from jsonschema import Draft4Validator, FormatChecker, RefResolver
from jsonschema.exceptions import ValidationError
from sanic.request import Request

from .config import MAX_JSON_BYTES
from .errors import ApiError

OPENAPI_PATH = Path(__file__).with_name("openapi.yml")
MAX_DETAILS = 50
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_JSON_TYPES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@lru_cache(maxsize=1)
def openapi_document() -> Dict[str, Any]:
    """The OpenAPI document as loaded from openapi.yml (the single source of truth for routes and bodies)."""
    with OPENAPI_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def parse_json(request: Request) -> Any:
    """The request body as JSON; 413 over 1 MB, 400 `invalid_json` when it is not JSON or not an object."""
    body = request.body or b""
    if len(body) > MAX_JSON_BYTES:
        raise ApiError(413, "payload_too_large", "The request body is larger than 1 MB.")
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return value


def validate(instance: Any, schema_name: str) -> None:
    """Raise 422 with one detail per problem unless `instance` matches components/schemas/<schema_name>.

    A schema may name its own error code with `x-error-code` (consent.given uses `consent_required`); when every
    problem carries the same such code, that code is used instead of `validation_error`.
    """
    # A dict keeps the first of duplicate reports (jsonschema reports `required` once per missing field,
    # each time with the whole list) in order.
    problems = sorted(dict.fromkeys(_problems(instance, schema_name)), key=lambda item: item[0])
    if not problems:
        return
    details = [{"field": field, "problem": problem} for field, problem, _code in problems[:MAX_DETAILS]]
    codes = {code for _field, _problem, code in problems}
    if len(codes) == 1 and None not in codes:
        code = codes.pop()
        raise ApiError(422, code, _CUSTOM_MESSAGES.get(code, "The request body is not valid."), details)
    raise ApiError(422, "validation_error", "The request body is not valid.", details)


def invalid_field(field: str, problem: str) -> ApiError:
    """A 422 `validation_error` about one field, for checks beyond the schema."""
    return ApiError(422, "validation_error", "The request body is not valid.", [{"field": field, "problem": problem}])


def normalise_contact(kind: str, value: str, field: str = "contact.value") -> str:
    """The stored form of a contact: lower-case email, E.164 phone (also for messaging), else a folded handle."""
    value = value.strip()
    if kind == "email":
        try:
            return validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise invalid_field(field, "must be a valid email address") from None
    if kind == "phone":
        phone = _parse_phone(value)
        if phone is None:
            raise invalid_field(field, "must be a valid phone number in international format, e.g. +49 30 1234567")
        return phone
    return _parse_phone(value) or " ".join(value.split()).casefold()


def proof_candidates(value: str) -> List[str]:
    """Every stored form a patient's contact proof could match (email, phone or messaging handle)."""
    value = value.strip()
    candidates = [" ".join(value.split()).casefold()]
    if "@" in value:
        candidates.append(value.lower())
        try:
            candidates.append(validate_email(value, check_deliverability=False).normalized.lower())
        except EmailNotValidError:
            pass
    phone = _parse_phone(value)
    if phone is not None:
        candidates.append(phone)
    return candidates


def _parse_phone(value: str) -> Optional[str]:
    """E.164 form of a valid number written internationally (+49 30 1234567, or 0049 30 1234567), else None."""
    if value.startswith("00"):
        value = "+" + value[2:]
    if not value.startswith("+") or len(value) > 40:
        return None
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_CUSTOM_MESSAGES = {"consent_required": "The patient's consent is required to create a consultation request."}


def _problems(instance: Any, schema_name: str) -> Iterator[Tuple[str, str, Any]]:
    validator = _validator(schema_name)
    for error in validator.iter_errors(instance):
        yield from _describe(error)
    yield from _text_problems(instance, [])


def _describe(error: ValidationError) -> Iterator[Tuple[str, str, Any]]:
    path = [str(part) for part in error.absolute_path]
    code = error.schema.get("x-error-code") if isinstance(error.schema, dict) else None
    kind, expected = error.validator, error.validator_value
    if kind == "required":
        for name in expected:
            if isinstance(error.instance, dict) and name not in error.instance:
                yield _field(path + [name]), "is required", None
        return
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        for name in sorted(set(error.instance) - known):
            yield _field(path + [name]), "is not an allowed field", None
        return
    if kind == "type":
        types = expected if isinstance(expected, list) else [expected]
        problem = "must be " + " or ".join(_JSON_TYPES.get(name, name) for name in types)
    elif kind == "enum":
        problem = "must be one of: " + ", ".join(json.dumps(option) for option in expected)
    elif kind == "minLength":
        problem = "must not be empty" if expected == 1 else f"must be at least {expected} characters long"
    elif kind == "maxLength":
        problem = f"must be at most {expected} characters long"
    elif kind == "minimum":
        problem = f"must be at least {expected}"
    elif kind == "maximum":
        problem = f"must be at most {expected}"
    elif kind == "minItems":
        problem = f"must have at least {expected} items"
    elif kind == "maxItems":
        problem = f"must have at most {expected} items"
    elif kind == "pattern":
        problem = error.schema.get("x-problem", "has an invalid format")
    elif kind == "format":
        problem = "must be an RFC 3339 date-time with a time zone, e.g. 2026-11-26T15:50:00Z"
    elif kind == "anyOf":
        problem = error.schema.get("x-problem", "has an invalid value")
    else:
        problem = "is not valid"
    yield _field(path), problem, code


def _text_problems(value: Any, path: List[str]) -> Iterator[Tuple[str, str, Any]]:
    """Control characters and unpaired surrogates would break storage (PostgreSQL refuses NUL): reject them."""
    if isinstance(value, str):
        if _FORBIDDEN_CHARACTERS.search(value):
            yield _field(path), "contains characters that are not allowed", None
    elif isinstance(value, dict):
        for key, item in value.items():
            if _FORBIDDEN_CHARACTERS.search(key):
                yield _field(path), "contains a field name with characters that are not allowed", None
            else:
                yield from _text_problems(item, path + [key])
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _text_problems(item, path + [str(position)])


def _field(path: List[str]) -> str:
    return ".".join(path) or "(body)"


@lru_cache(maxsize=None)
def _validator(schema_name: str) -> Draft4Validator:
    document = _as_json_schema(copy.deepcopy(openapi_document()))
    if schema_name not in document["components"]["schemas"]:
        raise KeyError(f"no schema {schema_name!r} in openapi.yml")
    resolver = RefResolver(base_uri="", referrer=document)
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_rfc3339)
    return Draft4Validator({"$ref": f"#/components/schemas/{schema_name}"}, resolver=resolver, format_checker=checker)


def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 writes `nullable: true`; JSON Schema writes the type as [type, "null"]."""
    if isinstance(node, dict):
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        return {key: _as_json_schema(item) for key, item in node.items()}
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    return node


def _is_rfc3339(value: Any) -> bool:
    return not isinstance(value, str) or parse_rfc3339(value) is not None


def parse_rfc3339(value: str) -> Optional[datetime]:
    """An aware datetime for an RFC 3339 date-time with offset (e.g. 2026-11-26T15:50:00.5+01:00), else None."""
    match = _RFC3339.fullmatch(value)
    if not match:
        return None
    fraction, offset = match.group(1) or "", match.group(2)
    try:
        moment = datetime.strptime(value[:19].replace("t", "T"), "%Y-%m-%dT%H:%M:%S")
        if offset in ("Z", "z"):
            zone = timezone.utc
        else:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            if hours > 23 or minutes > 59:
                return None
            sign = -1 if offset[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    except ValueError:
        return None
    microseconds = int((fraction[1:] + "000000")[:6]) if fraction else 0
    return moment.replace(microsecond=microseconds, tzinfo=zone)
