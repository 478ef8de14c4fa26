"""Every model's JSON record: lossless round trips, malformed records, fuzzing (SPEC §9).

Malformed input of any shape must come out as a ``ProtocolError`` naming each problem's path,
never as a ``TypeError``, ``KeyError``, ``decimal.Overflow`` or a hang.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import aclf_protocol
from aclf_protocol import (
    Arm,
    Consent,
    History,
    InconsistentRecordError,
    Infusion,
    InfusionPlan,
    InvalidRecordError,
    InvalidValueError,
    Labs,
    Patient,
    Protocol,
    ProtocolError,
    SafetyEvent,
    UnknownKeyError,
)
from aclf_protocol.protocol import Criterion, DayWindow
from tests.fixtures import SPEC_RECORD
from tests.strategies import (
    arms,
    consents,
    criteria,
    day_windows,
    histories,
    json_values,
    labs,
    mutations,
    patients,
    protocols,
    replaced,
    safety_events,
    treated_plans,
)

#: A generator of valid values for every model that has ``to_dict`` and ``from_dict``.
MODELS: dict[type, st.SearchStrategy[Any]] = {
    Arm: arms,
    Patient: patients(unknown_weight=True, si=True),
    Labs: labs(si=True),
    History: histories(),
    Consent: consents(),
    Infusion: treated_plans().flatmap(lambda plan: st.sampled_from(plan.infusions)),
    InfusionPlan: treated_plans(),
    SafetyEvent: safety_events(),
    Protocol: protocols(),
    DayWindow: day_windows,
    Criterion: criteria,
}


def _models_with_records() -> set[type]:
    """Every attrs class in the package with both ``to_dict`` and ``from_dict``."""
    found: set[type] = set()
    for module in pkgutil.iter_modules(aclf_protocol.__path__):
        if module.name == "__main__":
            continue  # importing it runs the command line
        loaded = importlib.import_module(f"aclf_protocol.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if attrs.has(cls) and hasattr(cls, "to_dict") and hasattr(cls, "from_dict"):
                found.add(cls)
    return found


def refusal(read: Any, record: object) -> ProtocolError | None:
    """The ProtocolError ``read(record)`` raises, or ``None``; any other exception escapes."""
    try:
        read(record)
    except ProtocolError as err:
        return err
    return None


def assert_only_protocol_errors(read: Any, record: object) -> None:
    """Reading *record* succeeds or raises a ProtocolError whose every problem prints."""
    err = refusal(read, record)
    if err is not None:
        assert err.problems, "a ProtocolError lists at least one problem"
        assert all(isinstance(p, InvalidValueError) for p in err.problems)
        assert str(err)
        assert all(str(p) for p in err.problems)  # printing a problem must not fail either


class TestRoundTripLaws:
    """§9: ``from_dict(to_dict(x)) == x`` and the record is plain JSON, for every model."""

    def test_every_model_is_covered(self) -> None:
        """The laws below run over every model with a JSON record, and no other."""
        assert _models_with_records() == set(MODELS)

    @pytest.mark.parametrize("model", list(MODELS), ids=lambda m: m.__name__)
    @given(data=st.data())
    def test_round_trip(self, model: Any, data: st.DataObject) -> None:
        """from_dict(to_dict(x)) == x, also through JSON text, and the record is strict JSON."""
        value = data.draw(MODELS[model])
        record = value.to_dict()
        text = json.dumps(record, allow_nan=False)  # no NaN or infinity in a record
        assert json.loads(text) == record
        assert model.from_dict(record) == value
        assert model.from_dict(json.loads(text)) == value


#: One bad value at one path of SPEC §9's patient record -> the field the error names.
MALFORMED: list[tuple[tuple[str, ...], object, str | None]] = [
    (("weight_kg",), -0.0, "weight_kg"),
    (("weight_kg",), 1e-400, "weight_kg"),  # underflows to 0.0
    (("weight_kg",), 350.00000000000006, "weight_kg"),
    (("weight_kg",), "1e999999999", "weight_kg"),
    (("weight_kg",), float("-inf"), "weight_kg"),
    (("weight_kg",), {"value": 62.5, "unit": "kg"}, "weight_kg"),
    (("birth_date",), "2021-02-29", "birth_date"),
    (("birth_date",), "1968-05-01T00:00:00", "birth_date"),
    (("birth_date",), "1968-05-01\n", "birth_date"),
    (("birth_date",), ["1968-05-01"], "birth_date"),
    (("sex",), None, "sex"),
    (("sex",), "MALE", "sex"),
    (("patient_id",), " \t", "patient_id"),
    (("labs", "inr"), {"value": 2.6}, "labs.inr"),
    (("labs", "inr"), float("nan"), "labs.inr"),
    (("labs", "inr"), "2.6 ", "labs.inr"),  # §9 v2: no blanks around a numeral
    (("labs", "inr"), "2,6", "labs.inr"),
    (("weight_kg",), "6_2.5", "weight_kg"),
    (("labs", "he_grade"), "1e999999999", "labs.he_grade"),  # int() of it would never end
    (("labs", "he_grade"), "4e5000", "labs.he_grade"),  # its repr would exceed int digits
    (("labs", "he_grade"), "2.5", "labs.he_grade"),
    (("labs", "bilirubin_umol_l"), "1e9999999", "labs.bilirubin_umol_l"),  # decimal.Overflow
    (("labs", "creatinine_umol_l"), 97.24, "labs.creatinine_umol_l"),  # beside 1.1 mg/dL
    (("labs", "albumin_g_l"), [29], "labs.albumin_g_l"),
    (("labs", "mechanical_ventilation"), 0, "labs.mechanical_ventilation"),
    (("history", "last_drug_trial"), 20210101, "history.last_drug_trial"),
    (("history", "last_drug_trial"), ["never"], "history.last_drug_trial"),
    (("history", "pregnant"), "unknown", "history.pregnant"),
    (("consent", "signed_by"), {"who": "patient"}, "consent.signed_by"),
    (("consent", "has_capacity"), [], "consent.has_capacity"),
    (("consent", "witness"), "Dr Li", "consent.witness"),
    (("history",), [], "history"),
    (("consent",), "patient", "consent"),
    (("labs",), 14.2, "labs"),
]


class TestMalformedPatients:
    """§9: a malformed patient record raises a ProtocolError naming every bad path."""

    @pytest.mark.parametrize(("path", "value", "field"), MALFORMED)
    def test_one_problem(self, path: tuple[str, ...], value: object, field: str | None) -> None:
        """One bad value: a ProtocolError naming exactly its path (or, if tolerated, none)."""
        record = replaced(SPEC_RECORD, path, value)
        if field is None:
            assert Patient.from_dict(record) == Patient.from_dict(SPEC_RECORD)
            return
        with pytest.raises(ProtocolError) as caught:
            Patient.from_dict(record)
        assert [p.field for p in caught.value.problems] == [field]
        assert field in str(caught.value)

    def test_unknown_key_and_conflict_classes(self) -> None:
        """An unknown key is an UnknownKeyError, two units for one lab an inconsistency."""
        unknown = replaced(SPEC_RECORD, ("labs", "potassium"), 4.1)
        with pytest.raises(UnknownKeyError) as caught:
            Patient.from_dict(unknown)
        assert caught.value.field == "labs.potassium"
        both = replaced(SPEC_RECORD, ("labs", "inr"), None)
        both = replaced(both, ("labs", "creatinine_umol_l"), 97.24)
        with pytest.raises(InconsistentRecordError) as conflict:
            Patient.from_dict(both)
        assert conflict.value.field == "labs.creatinine_umol_l"

    @given(
        chosen=st.lists(
            st.sampled_from([m for m in MALFORMED if m[2] is not None and len(m[0]) == 2]),
            min_size=2,
            unique_by=lambda m: m[0],
        )
    )
    @example(
        chosen=[
            (("labs", "inr"), {"value": 2.6}, "labs.inr"),
            (("labs", "creatinine_umol_l"), 97.24, "labs.creatinine_umol_l"),
            (("history", "pregnant"), "unknown", "history.pregnant"),
            (("consent", "signed_by"), {"who": "patient"}, "consent.signed_by"),
        ]
    )
    def test_every_problem_is_reported(
        self, chosen: list[tuple[tuple[str, ...], object, str | None]]
    ) -> None:
        """§9: several bad values in labs, history and consent are all listed, by path."""
        record = SPEC_RECORD
        for path, value, _ in chosen:
            record = replaced(record, path, value)
        with pytest.raises(InvalidRecordError) as caught:
            Patient.from_dict(record)
        assert sorted(p.field for p in caught.value.problems) == sorted(str(f) for *_, f in chosen)


class TestFuzzLaws:
    """Arbitrary JSON into every from_dict: a ProtocolError or a model, nothing else."""

    @pytest.mark.parametrize("model", list(MODELS), ids=lambda m: m.__name__)
    @given(record=json_values)
    @example(record={"he_grade": "1e999999999", "grade": "1e999999999"})
    @example(record={"bilirubin_umol_l": "1e9999999", "weight_kg": "1e9999999"})
    def test_arbitrary_json(self, model: Any, record: Any) -> None:
        """Any JSON value as the whole record raises only ProtocolError."""
        assert_only_protocol_errors(model.from_dict, record)

    @pytest.mark.parametrize("model", list(MODELS), ids=lambda m: m.__name__)
    @given(data=st.data())
    def test_json_spliced_into_a_valid_record(self, model: Any, data: st.DataObject) -> None:
        """Any JSON put at any place of a valid record raises only ProtocolError."""
        valid = data.draw(MODELS[model]).to_dict()
        assert_only_protocol_errors(
            model.from_dict, data.draw(mutations(valid, values=json_values))
        )
