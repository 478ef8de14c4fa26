"""JSON Schemas (draft 2020-12) of the interchange records, generated from the models (SPEC §9).

An integrator validates a record against these schemas before handing it to the library, with
any draft 2020-12 validator (``docs/analysts.md``). The schemas are built here from
``attrs.fields`` of the models, their type annotations and their enums, so a field added to a
model appears in its schema; the committed copies in ``docs/schema/`` are checked against these
functions by ``tests/test_schema.py``.

What a schema says, field by field (§9):

- Keys: exactly the model's fields (``additionalProperties: false`` at every level); a field
  with no default is required and never ``null``; a field with a default may be missing or
  ``null``, which means unknown (§0) or the default (``ventilation_reason`` -> respiratory).
- Numbers: a JSON number within the model's bounds, or a numeric string in plain decimal
  notation (``"62.5"``, ``"1E+2"``). A string's *value* cannot be bounded in JSON Schema, so
  ``"0"`` passes the schema and fails the library: the library has the last word.
- Dates: ``YYYY-MM-DD`` with ``"format": "date"``; turn format assertion on in the validator
  so that ``2021-02-30`` is refused too. A dated history fact is a date, ``"never"`` or null.
- Rules across fields, where JSON Schema can say them: never an SI and a conventional value
  for one analyte (``{"x_mg_dl": null, "x_umol_l": v}`` is fine); no family signature with
  ``adult_family_available: false``; grade 5, ``death`` and outcome ``fatal`` go together.
  Date order (awareness after onset) and the consistency of a plan's days are left to the
  library.

The library reads more leniently than the schemas allow (surrounding blanks, ``"2.0"`` as a
grade): a record valid against the schema is the interchange contract, the library is a
tolerant reader of it.

>>> schema = patient_schema()
>>> schema["required"]   # weight_kg may be unknown while screening (§9 v2)
['patient_id', 'birth_date', 'sex']
>>> schema["$defs"]["labs"]["properties"]["inr"]["maximum"]
20
>>> schema["$defs"]["labs"]["properties"]["creatinine_umol_l"]["maximum"]   # 30 mg/dL x 88.4
2652
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from aclf_protocol._validators import BOUNDS, Bounds, identifier
from aclf_protocol.eligibility import EVALUATORS
from aclf_protocol.interchange import INTEGER_NUMERAL, NUMERAL, decimal_to_json
from aclf_protocol.patient import SI_FACTORS, Consent, History, Labs, Never, Patient, Signer
from aclf_protocol.protocol import ACLF_GRADES, NCT04822922, Arm, Criterion, DayWindow, Protocol
from aclf_protocol.safety import MAX_GRADE, EventOutcome, SafetyEvent, Seriousness
from aclf_protocol.schedule import Infusion, InfusionPlan

__all__ = [
    "DIALECT",
    "FIELD_BOUNDS",
    "Bounds",
    "infusion_plan_schema",
    "patient_schema",
    "protocol_schema",
    "safety_event_schema",
    "schema_texts",
]

#: The JSON Schema dialect of every schema here.
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Calendar date ``YYYY-MM-DD`` (§0). ``[0-9]``, not ``\d``: ECMA and Python disagree on
#: ``\d``. The length bounds close a gap of Python's ``$``, which matches before a final ``\n``.
_DATE: dict[str, Any] = {
    "type": "string",
    "format": "date",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "minLength": 10,
    "maxLength": 10,
}
_DATE_REF = "#/$defs/date"
#: The end of a pattern: ``(?!\n)`` after ``$`` since in Python, which validators use, ``$``
#: also matches before a final line break (ECMA 262's ``$`` does not).
_END = "$(?!\\n)"
#: A string with at least one non-blank character, as ``non_empty_str`` demands.
_NON_EMPTY = {"type": "string", "pattern": r"\S"}
#: What a pattern can say of ``identifier`` (§0 *v2*): no control character (C0, DEL, C1,
#: with ``\n``, ``\t`` and U+0085), no line or paragraph separator, no space at either end.
#: The library refuses more (every character ``str.isprintable`` refuses, U+200B say).
_NO_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029"
_IDENTIFIER = {
    "type": "string",
    "pattern": f"^[^\\s{_NO_CONTROL}]([^{_NO_CONTROL}]*[^\\s{_NO_CONTROL}])?{_END}",
}


def _number_pattern(*, signed: bool, integer: bool) -> str:
    """A numeral as JSON writes a number, the one the library reads (§9 *v2*).

    The same grammar as ``interchange.NUMERAL`` (``INTEGER_NUMERAL`` for a whole number),
    without the minus where the bounds allow no negative value.
    """
    numeral = INTEGER_NUMERAL if integer else NUMERAL
    if not signed:
        numeral = numeral.removeprefix("-?")
    return f"^{numeral}{_END}"


#: The models whose numeric fields carry bounds in their attrs metadata.
_MODELS: tuple[type, ...] = (
    Patient,
    InfusionPlan,
    Labs,
    Infusion,
    SafetyEvent,
    Protocol,
    Arm,
    DayWindow,
)

#: The bounds of each numeric field, read off the fields' metadata (``"bounds"``), where the
#: validators read them too (D-LAB-BOUNDS, §3.2, §6.1): one declaration, derived here read-only.
FIELD_BOUNDS: Mapping[tuple[type, str], Bounds] = types.MappingProxyType(
    {
        (cls, field.name): field.metadata[BOUNDS]
        for cls in _MODELS
        for field in attrs.fields(cls)
        if BOUNDS in field.metadata
    }
)


def _numeric(bounds: Bounds, *, integer: bool) -> dict[str, Any]:
    """A JSON number within *bounds*, or a numeric string (§9: numbers or numeric strings)."""
    low_key = "minimum" if bounds.low_inclusive else "exclusiveMinimum"
    return {
        "type": ["integer" if integer else "number", "string"],
        low_key: decimal_to_json(bounds.low),
        "maximum": decimal_to_json(bounds.high),
        "pattern": _number_pattern(signed=bounds.low < 0, integer=integer),
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """*schema* or ``null`` (an unknown fact, §0; or the field's default).

    A reference to a nested record stays a plain ``$ref``: those records (``labs``,
    ``history``, ``consent``) accept ``null`` themselves, so a validator reports a problem
    inside them at its own path (``$.labs.inr``) rather than "not valid under any of".
    """
    if set(schema) == {"$ref"} and schema["$ref"] != _DATE_REF:
        return schema
    if set(schema) == {"anyOf"}:
        return {"anyOf": [*schema["anyOf"], {"type": "null"}]}
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    kind = schema.get("type")
    if isinstance(kind, list) and "$ref" not in schema:
        return {**schema, "type": [*kind, "null"]}
    if (isinstance(kind, str) and len(schema) == 1) or kind == "array":
        # "items" holds for arrays only: a problem inside an array keeps its path
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def _optional(cls: type, name: str) -> bool:
    """Whether field *name* of *cls* has a default: then its key may be missing or null."""
    return attrs.fields_dict(cls)[name].default is not attrs.NOTHING


def _ref(cls: type) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{cls.__name__.lower()}"}


def _enum(kind: type[enum.Enum]) -> dict[str, Any]:
    return {"enum": [member.value for member in kind]}


#: Schemas of the scalar field types the models use (and of a check stricter than its type).
_SCALARS: dict[object, dict[str, Any]] = {
    str: _NON_EMPTY,
    identifier: _IDENTIFIER,
    bool: {"type": "boolean"},
    date: {"$ref": _DATE_REF},
    frozenset({date, Never}): {"anyOf": [{"$ref": _DATE_REF}, {"const": Never.NEVER.value}]},
}


def _field_schema(cls: type, name: str, hint: object) -> dict[str, Any]:
    """The schema of one field from its annotation (not null; see :func:`_nullable`).

    Raises ``TypeError`` for an annotation no model had when this was written: a new shape of
    field needs a schema written for it, never a silent guess.
    """
    args = set(typing.get_args(hint)) if isinstance(hint, types.UnionType) else {hint}
    args.discard(type(None))
    kind = next(iter(args)) if len(args) == 1 else frozenset(args)
    origin = typing.get_origin(kind)
    if origin is frozenset:  # a set of enum members; duplicates collapse (§6.5)
        return {"type": "array", "items": _enum(typing.get_args(kind)[0])}
    if origin is tuple:  # a non-empty sequence of nested records
        return {"type": "array", "items": _ref(typing.get_args(kind)[0]), "minItems": 1}
    if kind is str and attrs.fields_dict(cls)[name].validator is identifier:
        kind = identifier  # text with a rule of its own (§0 v2)
    if kind in _SCALARS:
        return dict(_SCALARS[kind])
    if kind in {Decimal, int}:
        return _numeric(FIELD_BOUNDS[cls, name], integer=kind is int)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return _enum(kind)
    if isinstance(kind, type) and attrs.has(kind):
        return _ref(kind)
    raise TypeError(f"{cls.__name__}.{name}: no schema for {hint!r}")


def _object(
    cls: type,
    *,
    description: str,
    required_too: frozenset[str] = frozenset(),
    extra: Mapping[str, dict[str, Any]] | None = None,
    nullable: bool = False,
    given: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The schema of *cls*'s record: one property per attrs field, nothing else.

    A field without a default is required and not null; *required_too* names fields that
    ``from_dict`` requires although the model has a default (``seriousness``, §0). A
    *nullable* record may be ``null`` as a whole (a nested record with a default). *given*
    holds the schemas of fields whose annotation alone does not say them (null still added).
    """
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        if given and field.name in given:
            schema = dict(given[field.name])
        else:
            schema = _field_schema(cls, field.name, hints[field.name])
        if not _optional(cls, field.name) or field.name in required_too:
            required.append(field.name)
            properties[field.name] = schema
        else:
            properties[field.name] = _nullable(schema)
    properties.update(extra or {})
    return {
        "type": ["object", "null"] if nullable else "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _document(
    name: str, title: str, root: dict[str, Any], defs: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": f"urn:aclf-protocol:schema:{name}",
        "title": title,
        **root,
        "$defs": {"date": {**_DATE, "description": "ISO 8601 calendar date (§0)"}, **defs},
    }


def _not_both(key: str, other: str) -> dict[str, Any]:
    """Not *key* and *other* both present with non-null values."""
    non_null = {"not": {"type": "null"}}
    both = {"required": [key, other], "properties": {key: non_null, other: non_null}}
    return {"not": {"type": "object", **both}}  # "required" alone holds for any non-object


def _labs_schema() -> dict[str, Any]:
    # §7.1: an SI field's bounds are its conventional field's times the factor (patient.py).
    schema = _object(
        Labs,
        nullable=_optional(Patient, "labs"),
        description="Labs and organ support; null = unknown (§7, §9). An SI key may replace "
        "its conventional key, never accompany it with a value (§7.1); each lab is written "
        "back under the key it was recorded in (§9 v2).",
    )
    schema["allOf"] = [_not_both(key, si_key) for si_key, (key, _) in SI_FACTORS.items()]
    return schema


def _consent_schema() -> dict[str, Any]:
    schema = _object(
        Consent,
        nullable=_optional(Patient, "consent"),
        description="Informed consent (§5 I3 v2, E7); signed_by null = not yet obtained "
        "(consent pending), declined = refused.",
    )
    # §5 I3: a family signature contradicts adult_family_available: false.
    family = {
        "type": "object",
        "required": ["signed_by", "adult_family_available"],
        "properties": {
            "signed_by": {"const": Signer.FAMILY.value},
            "adult_family_available": {"const": False},
        },
    }
    schema["allOf"] = [{"not": family}]
    return schema


def patient_schema() -> dict[str, Any]:
    """The JSON Schema of a patient record as an EDC sends it (§9, ``Patient.from_dict``).

    >>> sorted(patient_schema()["$defs"])
    ['consent', 'date', 'history', 'labs']
    >>> patient_schema()["$defs"]["history"]["properties"]["last_drug_trial"]["anyOf"][1]
    {'const': 'never'}
    """
    root = _object(
        Patient,
        description="A screened patient (SPEC §9). Every clinical fact may be null (unknown).",
    )
    defs = {
        "labs": _labs_schema(),
        "history": _object(
            History,
            nullable=_optional(Patient, "history"),
            description="History behind exclusions E1-E6 (§5); a dated fact is a date, "
            '"never" or null.',
        ),
        "consent": _consent_schema(),
    }
    return _document("patient", "Patient record (aclf_protocol, SPEC §9)", root, defs)


def safety_event_schema() -> dict[str, Any]:
    """The JSON Schema of a safety event record (§6.1, §9, ``SafetyEvent.from_dict``).

    >>> safety_event_schema()["properties"]["causality"]["enum"][-2:]
    ['not_assessed', None]
    """
    root = _object(
        SafetyEvent,
        description="One adverse event as the site reported it (SPEC §6.1, §9). Missing or "
        "null causality and expectedness mean not assessed; a missing outcome is unknown.",
        required_too=frozenset({"seriousness"}),  # a missing list must not read as "not serious"
    )
    death = {
        "required": ["seriousness"],
        "properties": {
            "seriousness": {"type": "array", "contains": {"const": Seriousness.DEATH.value}}
        },
    }
    fatal = EventOutcome.FATAL.value
    # §6.1: grade 5 <=> death <=> outcome fatal. A grade sent as a string is left to the library.
    root["allOf"] = [
        {
            "if": death,
            "then": {
                "required": ["outcome"],
                "properties": {
                    "grade": {"if": {"type": "number"}, "then": {"const": MAX_GRADE}},
                    "outcome": {"const": fatal},
                },
            },
        },
        {
            "if": {"required": ["grade"], "properties": {"grade": {"const": MAX_GRADE}}},
            "then": death,
        },
        {
            "if": {"required": ["outcome"], "properties": {"outcome": {"const": fatal}}},
            "then": death,
        },
    ]
    return _document("safety-event", "Safety event record (aclf_protocol, SPEC §9)", root, {})


def infusion_plan_schema() -> dict[str, Any]:
    """The JSON Schema of an infusion plan record (§4, §9, ``InfusionPlan.to_dict``).

    >>> infusion_plan_schema()["$defs"]["infusion"]["required"]
    ['number', 'study_day', 'date', 'window_start', 'window_end', 'cells']
    """
    most = FIELD_BOUNDS[Infusion, "number"].high * FIELD_BOUNDS[Infusion, "cells"].high
    total = _nullable(_numeric(Bounds(0, most, low_inclusive=True), integer=True))
    total["description"] = "Optional check: the cells of the infusions not cancelled (§3.3)."
    root = _object(
        InfusionPlan,
        description="One patient's infusions on one arm from Day 1 = start (SPEC §4, §9). "
        "That the days, dates and numbers agree with each other is checked by the library.",
        extra={"total_cells": total},
    )
    infusion = _object(
        Infusion,
        description="One planned infusion (§4.1); given_date once given, cancelled by a "
        "stop rule (§4.5); what was given (cells_given, lot, viability_percent) only on a given "
        "infusion (§4.6).",
    )
    # §4.6: a lot is an identifier, like the ids (§0 v2).
    infusion["properties"]["lot"] = _nullable(_IDENTIFIER)
    defs = {"infusion": infusion}
    return _document("infusion-plan", "Infusion plan record (aclf_protocol, SPEC §9)", root, defs)


def protocol_schema() -> dict[str, Any]:
    """The JSON Schema of a protocol document (§1 *v2*, ``Protocol.from_dict``).

    Every field of ``Protocol``; a key left out or ``null`` takes its default. A criterion
    id is one that has an evaluator, with its kind (D-CRITERION-KIND). Rules across fields
    are left to the library: days strictly increasing from Day 1 exactly, unique arm and
    criterion ids, ``min_age_years <= max_age_years``.

    >>> protocol_schema()["required"]
    ['nct_id', 'study_id', 'title', 'treatment', 'route', 'arms', 'infusion_days']
    >>> protocol_schema()["$defs"]["criterion"]["properties"]["criterion_id"]["enum"][:3]
    ['I1', 'I2', 'I3']
    """
    days = {"type": "array", "items": _ref(DayWindow)}
    root = _object(
        Protocol,
        description="A protocol document: every parameter of the trial, one version of it "
        "(SPEC §1 v2). A key left out or null takes its default; TOML files leave out what is "
        "none.",
        given={
            "follow_up_visits": days,
            "criteria": {"type": "array", "items": _ref(Criterion)},
            "eligible_aclf_grades": {
                "type": "array",
                "items": _numeric(
                    Bounds(min(ACLF_GRADES), max(ACLF_GRADES), low_inclusive=True), integer=True
                ),
            },
        },
    )
    criterion = _object(
        Criterion,
        description="One eligibility criterion: an id with an evaluator, its kind, the "
        "words (§5). Criteria may be dropped, reordered and re-worded (§1 v2).",
        given={"criterion_id": {"enum": list(EVALUATORS)}},
    )
    kinds = {c.criterion_id: c.kind.value for c in NCT04822922.criteria}
    criterion["allOf"] = [
        {
            "if": {"properties": {"criterion_id": {"const": criterion_id}}},
            "then": {"properties": {"kind": {"const": kind}}},
        }
        for criterion_id, kind in kinds.items()
    ]
    defs = {
        "arm": _object(Arm, description="One dose group: cells per kg per infusion (§2)."),
        "daywindow": _object(
            DayWindow,
            description="A nominal study day and its window in days (§4.1, §4.3).",
        ),
        "criterion": criterion,
    }
    return _document("protocol", "Protocol document (aclf_protocol, SPEC §1 v2)", root, defs)


def schema_texts() -> dict[str, str]:
    """File name in ``docs/schema/`` -> the text committed there, sorted keys, final newline.

    ``tests/test_schema.py`` compares the committed files with this; regenerate them with
    the command in ``docs/analysts.md`` after a model changes.

    >>> sorted(schema_texts())  # doctest: +NORMALIZE_WHITESPACE
    ['infusion-plan.schema.json', 'patient.schema.json', 'protocol.schema.json',
     'safety-event.schema.json']
    """
    schemas = {
        "patient.schema.json": patient_schema(),
        "safety-event.schema.json": safety_event_schema(),
        "infusion-plan.schema.json": infusion_plan_schema(),
        "protocol.schema.json": protocol_schema(),
    }
    return {name: json.dumps(s, indent=2, sort_keys=True) + "\n" for name, s in schemas.items()}
