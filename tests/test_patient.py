"""The patient record, its units and its errors (SPEC §0, §7.1, §9)."""

from __future__ import annotations

import json
import pickle
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import (
    Consent,
    History,
    InconsistentRecordError,
    InvalidRecordError,
    InvalidValueError,
    Labs,
    Never,
    Patient,
    ProtocolError,
    Sex,
    Signer,
    UnknownKeyError,
    VentilationReason,
    age_years,
)
from aclf_protocol.examples import patient_records
from tests.fixtures import SPEC_RECORD
from tests.strategies import consents, histories, labs, patients


def with_(record: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A deep copy of *record* with *path* (``labs.inr``) set to *value*."""
    copy: dict[str, Any] = json.loads(json.dumps(record))
    *parents, key = path.split(".")
    target = copy
    for part in parents:
        target = target[part]
    target[key] = value
    return copy


class TestSpecRecord:
    """§9's example patient."""

    def test_reads_the_spec_example(self) -> None:
        """Every field lands typed: Decimal labs, dates, enums, 'never'."""
        p = Patient.from_dict(SPEC_RECORD)
        assert p.weight_kg == Decimal("62.5")
        assert p.sex is Sex.MALE
        assert p.labs.inr == Decimal("2.6")
        assert p.labs.he_grade == 0
        assert p.labs.spo2_fio2 is None
        assert p.labs.ventilation_reason is VentilationReason.RESPIRATORY
        assert p.history.last_gi_bleeding == date(2021, 3, 2)
        assert p.history.last_drug_trial is Never.NEVER
        assert p.history.pregnant is None
        assert p.consent.signed_by is Signer.PATIENT
        assert p.age_on(date(2021, 10, 1)) == 53

    def test_writes_the_spec_shape(self) -> None:
        """to_dict gives back the record, plus the optional ventilation_reason key."""
        out = Patient.from_dict(SPEC_RECORD).to_dict()
        expected = with_(SPEC_RECORD, "labs.ventilation_reason", "respiratory")
        assert out == expected

    def test_missing_clinical_keys_mean_unknown(self) -> None:
        """§9: only identity and weight are required; the rest is unknown, like null."""
        p = Patient.from_dict(
            {"patient_id": "X", "birth_date": "1970-01-01", "sex": "female", "weight_kg": 70}
        )
        assert p.chronic_liver_disease is None
        assert p.labs == Labs()
        assert p.history == History()
        assert p.consent == Consent()
        assert p.consent.signed_by is None  # §5 I3: not signed

    def test_example_cohort_starts_with_the_spec_record(self) -> None:
        """The built-in cohort's RJ-001 is SPEC §9's example record, key for key."""
        assert patient_records()[0] == SPEC_RECORD

    def test_values_pickle(self) -> None:
        """Values survive pickling (for multiprocessing in notebooks)."""
        p = Patient.from_dict(SPEC_RECORD)
        assert pickle.loads(pickle.dumps(p)) == p

    def test_values_are_frozen(self) -> None:
        """Models are immutable."""
        p = Patient.from_dict(SPEC_RECORD)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            p.weight_kg = Decimal(1)  # type: ignore[misc]


class TestUnits:
    """§7.1: SI keys are converted exactly, thresholds land exactly."""

    @pytest.mark.parametrize(
        ("si_key", "si", "key", "conventional"),
        [
            ("creatinine_umol_l", "132.6", "creatinine_mg_dl", "1.5"),
            ("creatinine_umol_l", "176.8", "creatinine_mg_dl", "2.0"),
            ("creatinine_umol_l", "309.4", "creatinine_mg_dl", "3.5"),
            ("bilirubin_umol_l", "102.6", "bilirubin_mg_dl", "6"),
            ("bilirubin_umol_l", "205.2", "bilirubin_mg_dl", "12"),
            ("albumin_g_l", "29", "albumin_g_dl", "2.9"),
        ],
    )
    def test_boundary_values_convert_exactly(
        self, si_key: str, si: str, key: str, conventional: str
    ) -> None:
        """Research §5: 132.6/88.4 is 1.5 exactly here, not float's 1.4999999999999998."""
        for raw in (si, float(si)):
            value = getattr(Labs.from_dict({si_key: raw}), key)
            assert value == Decimal(conventional)

    def test_si_key_comes_back_as_conventional(self) -> None:
        """§9: an SI key read in comes back out as its conventional key."""
        out = Labs.from_dict({"bilirubin_umol_l": 205.2}).to_dict()
        assert out["bilirubin_mg_dl"] == 12
        assert "bilirubin_umol_l" not in out

    def test_null_beside_a_value_is_no_conflict(self) -> None:
        """§9: {"x_mg_dl": null, "x_umol_l": v} is not a conflict."""
        labs_ = Labs.from_dict({"creatinine_mg_dl": None, "creatinine_umol_l": 88.4})
        assert labs_.creatinine_mg_dl == 1

    def test_both_units_conflict(self) -> None:
        """§9: never both units for one analyte."""
        with pytest.raises(InconsistentRecordError, match=r"creatinine_umol_l: give creatinine"):
            Labs.from_dict({"creatinine_mg_dl": 1.5, "creatinine_umol_l": 132.6})

    def test_si_value_out_of_range_names_the_si_key(self) -> None:
        """The error names the key the caller sent."""
        with pytest.raises(InvalidValueError, match=r"^creatinine_umol_l: .*once converted"):
            Labs.from_dict({"creatinine_umol_l": 10_000})


class TestAge:
    """§0: completed years with relativedelta's rule."""

    def test_birthday_boundaries(self) -> None:
        """The day before the birthday is still the younger age."""
        assert age_years(date(1951, 10, 1), date(2021, 10, 1)) == 70
        assert age_years(date(1951, 10, 2), date(2021, 10, 1)) == 69
        assert age_years(date(2003, 10, 1), date(2021, 10, 1)) == 18
        assert age_years(date(2003, 10, 2), date(2021, 10, 1)) == 17

    def test_leap_day_birthday(self) -> None:
        """Born 29 Feb: a year older on 28 Feb in common years (relativedelta)."""
        assert age_years(date(2000, 2, 29), date(2018, 2, 28)) == 18
        assert age_years(date(2000, 2, 29), date(2018, 2, 27)) == 17

    def test_birth_after_screening(self) -> None:
        """§5: a birth date after the screening date is a ProtocolError."""
        with pytest.raises(InconsistentRecordError, match="birth_date"):
            age_years(date(2022, 1, 1), date(2021, 1, 1))


MALFORMED: list[tuple[str, object, str]] = [
    ("weight_kg", 0, "weight_kg"),
    ("weight_kg", -3, "weight_kg"),
    ("weight_kg", "350.01", "weight_kg"),
    ("weight_kg", "NaN", "weight_kg"),
    ("weight_kg", "Infinity", "weight_kg"),
    ("weight_kg", True, "weight_kg"),
    ("weight_kg", [62], "weight_kg"),
    ("birth_date", "1968-02-30", "birth_date"),
    ("birth_date", "19680501", "birth_date"),
    ("birth_date", "2021-W40-1", "birth_date"),
    ("birth_date", 1968, "birth_date"),
    ("sex", "M", "sex"),
    ("patient_id", "", "patient_id"),
    ("patient_id", 17, "patient_id"),
    ("chronic_liver_disease", "yes", "chronic_liver_disease"),
    ("chronic_liver_disease", 1, "chronic_liver_disease"),
    ("labs.inr", -1, "labs.inr"),
    ("labs.inr", "2,6", "labs.inr"),
    ("labs.he_grade", 5, "labs.he_grade"),
    ("labs.he_grade", 1.5, "labs.he_grade"),
    ("labs.he_grade", True, "labs.he_grade"),
    ("labs.vasopressors", "false", "labs.vasopressors"),
    ("labs.ventilation_reason", "sedation", "labs.ventilation_reason"),
    ("labs.bilirubin_umol_l", 200, "labs.bilirubin_umol_l"),
    ("labs.sodium_mmol_l", float("nan"), "labs.sodium_mmol_l"),
    ("labs.map_mmhg", float("inf"), "labs.map_mmhg"),
    ("labs.surprise", 1, "labs.surprise"),
    ("history.last_gi_bleeding", "last week", "history.last_gi_bleeding"),
    ("history.hiv", "no", "history.hiv"),
    ("consent.signed_by", "doctor", "consent.signed_by"),
    ("consent.adult_family_available", False, "consent.signed_by"),
    ("labs", [], "labs"),
    ("history", "none", "history"),
    ("extra", 1, "extra"),
]


class TestMalformedRecords:
    """§9: every malformed record raises a ProtocolError naming the path, and nothing else."""

    @pytest.mark.parametrize(("path", "value", "field"), MALFORMED)
    def test_malformed_field(self, path: str, value: object, field: str) -> None:
        """The one bad field is reported with its full path."""
        record = {**SPEC_RECORD, "extra": 1} if path == "extra" else with_(SPEC_RECORD, path, value)
        if path == "consent.adult_family_available":
            record = with_(record, "consent.signed_by", "family")
        with pytest.raises(ProtocolError) as caught:
            Patient.from_dict(record)
        assert [p.field for p in caught.value.problems] == [field]

    def test_unknown_key_has_its_own_class(self) -> None:
        """An unknown key raises UnknownKeyError, which callers may catch on its own."""
        with pytest.raises(UnknownKeyError, match="weight_lb"):
            Patient.from_dict({**SPEC_RECORD, "weight_lb": 130})

    def test_every_problem_is_listed(self) -> None:
        """§9: errors on bad records list every problem with its path."""
        record = with_(SPEC_RECORD, "labs.inr", "high")
        record = with_(record, "weight_kg", 0)
        record = with_(record, "history.hiv", "no")
        record.pop("sex")
        with pytest.raises(InvalidRecordError) as caught:
            Patient.from_dict(record)
        assert sorted(p.field for p in caught.value.problems) == [
            "history.hiv",
            "labs.inr",
            "sex",
            "weight_kg",
        ]
        assert "4 problems" in str(caught.value)

    @pytest.mark.parametrize("record", [None, [], "patient", 3, {1: "x"}])
    def test_not_an_object(self, record: object) -> None:
        """A record that is not a JSON object is refused as a whole."""
        with pytest.raises(InvalidValueError, match="patient"):
            Patient.from_dict(record)

    def test_family_signature_without_family_is_contradictory(self) -> None:
        """§5 I3: a family signature with adult_family_available false is a ProtocolError."""
        with pytest.raises(InconsistentRecordError, match="signed_by"):
            Consent(signed_by=Signer.FAMILY, adult_family_available=False)

    def test_direct_construction_validates(self) -> None:
        """Building models in Python runs the same validators as from_dict."""
        with pytest.raises(InvalidValueError, match="he_grade"):
            Labs(he_grade=7)
        with pytest.raises(InvalidValueError, match="inr"):
            Labs(inr=Decimal("NaN"))
        with pytest.raises(InvalidValueError, match="hiv"):
            History(hiv=0)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="sex"):
            Patient(
                patient_id="X",
                birth_date=date(1970, 1, 1),
                sex="male",  # type: ignore[arg-type]
                weight_kg=Decimal(70),
            )


class TestRecordLaws:
    """§9: lossless round trips, independent of key order."""

    @given(patient=patients())
    def test_patient_round_trip(self, patient: Patient) -> None:
        """from_dict(to_dict(x)) == x, through a JSON string."""
        record = json.loads(json.dumps(patient.to_dict()))
        assert Patient.from_dict(record) == patient
        assert json.loads(json.dumps(record)) == patient.to_dict()

    @given(value=labs(), history=histories(), consent=consents())
    def test_parts_round_trip(self, value: Labs, history: History, consent: Consent) -> None:
        """Each part round-trips on its own."""
        assert Labs.from_dict(value.to_dict()) == value
        assert History.from_dict(history.to_dict()) == history
        assert Consent.from_dict(consent.to_dict()) == consent

    @given(patient=patients(), seed=st.randoms(use_true_random=False))
    def test_key_order_does_not_matter(self, patient: Patient, seed: Any) -> None:
        """A record with its keys shuffled reads the same."""

        def shuffled(value: object) -> object:
            if isinstance(value, dict):
                items = list(value.items())
                seed.shuffle(items)
                return {k: shuffled(v) for k, v in items}
            return value

        assert Patient.from_dict(shuffled(patient.to_dict())) == patient

    @given(mg_dl=st.integers(min_value=1, max_value=3000).map(lambda n: Decimal(n) / 100))
    @example(mg_dl=Decimal("1.5"))
    @example(mg_dl=Decimal("3.5"))
    def test_si_creatinine_agrees_with_conventional(self, mg_dl: Decimal) -> None:
        """x mg/dL sent as x * 88.4 µmol/L reads back as exactly x (§7.1)."""
        via_si = Labs.from_dict({"creatinine_umol_l": str(mg_dl * Decimal("88.4"))})
        assert via_si == Labs(creatinine_mg_dl=mg_dl)


class TestEdges:
    """Validators at the door and error messages that always print (§0, §9)."""

    def test_direct_enum_fields_are_checked(self) -> None:
        """A raw string where an enum belongs is refused with the field's name."""
        with pytest.raises(InvalidValueError, match="ventilation_reason"):
            Labs(ventilation_reason="respiratory")  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="signed_by"):
            Consent(signed_by="patient")  # type: ignore[arg-type]

    def test_long_and_huge_values_print_briefly(self) -> None:
        """A huge int or a long string in an error prints, shortened, never raising."""
        huge = InvalidValueError("labs.inr", 10**5000, "must be > 0")
        assert str(huge) == "labs.inr: must be > 0; got <int too large to print>"
        long = InvalidValueError("patient_id", "x" * 1000, "rule")
        assert len(str(long)) < 300
        assert str(long).endswith("...")

    def test_nested_problems_keep_their_paths(self) -> None:
        """interchange.at puts a prefix before every problem's path, one or many."""
        from aclf_protocol.interchange import at

        with pytest.raises(InvalidValueError) as one, at("labs"):
            Labs.from_dict({"inr": "x"})
        assert one.value.field == "labs.inr"
        with pytest.raises(InvalidRecordError) as many, at("labs"):
            Labs.from_dict({"inr": "x", "he_grade": 9})
        assert [p.field for p in many.value.problems] == ["labs.inr", "labs.he_grade"]

    def test_dates_and_whole_numbers(self) -> None:
        """Date objects pass as they are; whole numbers come from ints, floats and strings."""
        from aclf_protocol.interchange import parse_date, parse_int

        assert parse_date(date(2021, 1, 1), "d") == date(2021, 1, 1)
        assert [parse_int(v, "n") for v in (3, 3.0, "3", Decimal("3.0"))] == [3, 3, 3, 3]
        for bad in (3.5, "3.5", "1e999999999", float("inf"), None):
            with pytest.raises(InvalidValueError, match=r"^n: "):
                parse_int(bad, "n")

    def test_control_characters_in_keys_stay_on_one_line(self) -> None:
        """An unknown key holding a line break is escaped: one problem, one line (§10)."""
        with pytest.raises(UnknownKeyError) as caught:
            Labs.from_dict({"in\nr\x85": 1})
        assert str(caught.value) == "in\\nr\\x85: is not a known key (§9); got 1"
        assert len(str(caught.value).splitlines()) == 1
