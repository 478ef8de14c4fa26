"""Fixed test data and small helpers shared by the test modules (no test module imports another).

Golden files: a sentence that *is* the product (CLI text, the demo, eligibility reasons) is kept
in ``tests/golden/NAME`` and compared with :func:`assert_golden`. After a reviewed wording
change, regenerate every golden file with the one switch::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest

and review the diff of ``tests/golden/`` like any other change.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from aclf_protocol import NCT04822922, InvalidValueError, Patient, Protocol, ProtocolError
from aclf_protocol.eligibility import EligibilityResult, check_eligibility
from aclf_protocol.examples import patient_records

GOLDEN_DIR = Path(__file__).parent / "golden"

#: The §9 example record (docs/protocol.md), as an EDC sends it: ACLF grade 2, eligible on
#: 2021-10-01. It is the library's own example patient RJ-001, whose scores and outcomes
#: tests/test_examples.py pins to hand-worked values, so the record is written once.
SPEC_RECORD: dict[str, Any] = patient_records()[0]


#: The screening date of SPEC §9's example (RJ-001 is eligible on it).
ON = date(2021, 10, 1)


def d(text: str) -> date:
    """A date from ISO text."""
    return date.fromisoformat(text)


def refusal(call: Callable[[], object]) -> ProtocolError:
    """The ``ProtocolError`` that *call* raises (the test fails if it returns)."""
    with pytest.raises(ProtocolError) as caught:
        call()
    return caught.value


def assert_golden(name: str, text: str) -> None:
    """*text* equals the golden file ``tests/golden/NAME``; ``UPDATE_GOLDEN=1`` rewrites it."""
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)"


def golden_json(value: Any) -> str:
    """*value* as the stable JSON text golden files hold (sorted keys, two-space indent)."""
    import json

    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# Safety, schedule and enrolment


def invalid(call: Callable[[], object]) -> InvalidValueError:
    """The ``InvalidValueError`` that *call* raises (its ``.field``, ``.value``, ``.rule``)."""
    err = refusal(call)
    assert isinstance(err, InvalidValueError), f"{type(err).__name__}: {err}"
    return err


def error_table(cases: Iterable[tuple[str, Callable[[], object]]]) -> str:
    """One line per ``(label, call)``: ``label => ErrorClass: message`` of the error *call* raises.

    Golden files under ``tests/golden/errors/`` hold these tables: the wording of every error
    is reviewed there, once, and the tests assert the structure (class, field, value).
    """
    lines = []
    for label, call in cases:
        err = refusal(call)
        lines.append(f"{label} => {type(err).__name__}: {err}")
    return "\n".join(lines) + "\n"


# Enrolment (§8 v2: an enrolled patient's eligible screening)

#: SPEC_RECORD as a patient: eligible on any date from 2021-04-02 (its GI bleeding of 2021-03-02
#: is then over a month back, E5) until its 71st birthday in 2039 (I1).
_ELIGIBLE_PATIENT = Patient.from_dict(SPEC_RECORD)


def eligible_screening(
    patient_id: str, on: date, *, protocol: Protocol = NCT04822922
) -> EligibilityResult:
    """An ELIGIBLE screening of *patient_id* on *on* under *protocol* (SPEC_RECORD's facts)."""
    patient = attrs.evolve(_ELIGIBLE_PATIENT, patient_id=patient_id)
    result = check_eligibility(patient, on, protocol=protocol)
    assert result.status.value == "eligible", result.reason
    return result


# CLI, reports and SDTM


def unchecked(value: object) -> Any:
    """*value*, hidden from the type checker: a caller's mistake the library must refuse."""
    return value


# Identifiers (§0 v2 "Text"; helper "input")

#: Ids that break text output or pass for another id (§0 v2 "Text"): each refused.
BAD_IDS = [
    "",
    " ",
    "a\nb",
    "a\tb",
    "\x00",
    "a\rb",
    "a\x85b",
    "a\u2028b",
    "a\u2029b",
    "RJ-001 ",
    " RJ-001",
    "RJ\u200b001",
    "RJ\u00a0001",
    "\x1b[31mRJ",
    "RJ\x7f",
]
