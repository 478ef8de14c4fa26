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
    Patient,
    ProtocolError,
    Sex,
    UnknownKeyError,
)
from aclf_protocol._validators import instance_of
from aclf_protocol.errors import DuplicateKeyError, InvalidJsonError
from aclf_protocol.examples import patient_records
from aclf_protocol.interchange import NUMERAL_RULE
from aclf_protocol.patient import (
    SI_FACTORS,
    Never,
    Signer,
    VentilationReason,
    _dated_field,
    _flag,
    _lab,
    age_years,
    to_weight_kg,
)
from tests.fixtures import BAD_IDS, SPEC_RECORD, assert_golden, refusal
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
        """to_dict gives back the record, plus the optional ventilation_reason and ascites keys."""
        out = Patient.from_dict(SPEC_RECORD).to_dict()
        expected = with_(SPEC_RECORD, "labs.ventilation_reason", "respiratory")
        expected = with_(expected, "labs.ascites", None)
        assert out == expected

    def test_missing_clinical_keys_mean_unknown(self) -> None:
        """§9: only identity is required; the rest is unknown, like null, the weight too."""
        p = Patient.from_dict({"patient_id": "X", "birth_date": "1970-01-01", "sex": "female"})
        assert p.weight_kg is None  # §9 v2: screening does not need it
        assert p.chronic_liver_disease is None
        assert p.labs == Labs()
        assert p.history == History()
        assert p.consent == Consent()
        assert p.consent.signed_by is None  # §5 I3 v2: not yet obtained (unknown)

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

    def test_si_key_comes_back_as_recorded(self) -> None:
        """§9 v2: an SI key read in comes back out under that key, in that unit, a number."""
        out = Labs.from_dict({"bilirubin_umol_l": 205.2}).to_dict()
        assert out["bilirubin_umol_l"] == 205.2
        assert "bilirubin_mg_dl" not in out
        assert next(iter(out)) == "bilirubin_umol_l"  # in the conventional key's place

    def test_si_value_is_no_long_string(self) -> None:
        """§9 v2 defect: 356.2 µmol/L came back as bilirubin_mg_dl '20.8304093567...' (a
        28-digit string pandas cannot average); now it is the number 356.2 as recorded."""
        labs_ = Labs.from_dict({"bilirubin_umol_l": 356.2})
        out = labs_.to_dict()
        assert out["bilirubin_umol_l"] == 356.2
        assert type(out["bilirubin_umol_l"]) is float
        assert "bilirubin_mg_dl" not in out
        assert Labs.from_dict(out) == labs_
        # The scores still read the exact conventional value (§7.1).
        assert labs_.bilirubin_mg_dl == Decimal("356.2") / Decimal("17.1")

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
        si = mg_dl * Decimal("88.4")
        via_si = Labs.from_dict({"creatinine_umol_l": str(si)})
        assert via_si.creatinine_mg_dl == mg_dl
        assert via_si == Labs(creatinine_umol_l=si)
        assert via_si.to_dict()["creatinine_umol_l"] == float(si)


class TestEdges:
    """Validators at the door, nested paths, keys that print on one line (§0, §9)."""

    def test_direct_enum_fields_are_checked(self) -> None:
        """A raw string where an enum belongs is refused with the field's name."""
        with pytest.raises(InvalidValueError, match="ventilation_reason"):
            Labs(ventilation_reason="respiratory")  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="signed_by"):
            Consent(signed_by="patient")  # type: ignore[arg-type]

    def test_nested_problems_keep_their_paths(self) -> None:
        """interchange.at puts a prefix before every problem's path, one or many."""
        from aclf_protocol.interchange import at

        with pytest.raises(InvalidValueError) as one, at("labs"):
            Labs.from_dict({"inr": "x"})
        assert one.value.field == "labs.inr"
        with pytest.raises(InvalidRecordError) as many, at("labs"):
            Labs.from_dict({"inr": "x", "he_grade": 9})
        assert [p.field for p in many.value.problems] == ["labs.inr", "labs.he_grade"]

    def test_control_characters_in_keys_stay_on_one_line(self) -> None:
        """An unknown key holding a line break is escaped: one problem, one line (§10)."""
        with pytest.raises(UnknownKeyError) as caught:
            Labs.from_dict({"in\nr\x85": 1})
        assert str(caught.value) == "in\\nr\\x85: is not a known key (§9); got 1"
        assert len(str(caught.value).splitlines()) == 1


#: (path in the §9 record, bad value): each gives one problem, whose text is in the golden
#: file tests/golden/patient/refusals.txt (``path = value: text``), one a line.
REFUSALS: list[tuple[str, object]] = [
    ("weight_kg", 0),
    ("weight_kg", True),
    ("weight_kg", "NaN"),
    ("birth_date", "19680501"),
    ("sex", "M"),
    ("patient_id", ""),
    ("chronic_liver_disease", 1),
    ("labs.inr", -1),
    ("labs.bilirubin_mg_dl", 0),
    ("labs.sodium_mmol_l", 79),
    ("labs.he_grade", 5),
    ("labs.vasopressors", "false"),
    ("labs.ventilation_reason", "sedation"),
    ("labs.creatinine_umol_l", 10000),
    ("labs.bilirubin_umol_l", 17.1),
    ("history.last_gi_bleeding", "last week"),
    ("history.hiv", "no"),
    ("consent.signed_by", "doctor"),
    ("labs", []),
    ("extra", 1),
]


def one_bad(path: str, value: object) -> dict[str, Any]:
    """The §9 record with the one bad *value* at *path* (an extra key for ``extra``)."""
    if path == "extra":
        return {**SPEC_RECORD, "extra": value}
    record = with_(SPEC_RECORD, path, value)
    if path == "labs.creatinine_umol_l":  # the §9 record gives creatinine in mg/dL
        record = with_(record, "labs.creatinine_mg_dl", None)
    return record


class TestRefusalTexts:
    """§0, §9: one bad field gives one problem naming the path, the value sent and the rule."""

    def test_one_problem_each_at_its_path(self) -> None:
        """Each bad value is the record's only problem, at its path, showing what was sent."""
        for path, value in REFUSALS:
            with pytest.raises(ProtocolError) as caught:
                Patient.from_dict(one_bad(path, value))
            (problem,) = caught.value.problems
            assert problem.field == path
            shown = Decimal(value) if path in NUMBERS_READ else value  # type: ignore[arg-type]
            assert problem.value == shown or problem.value is shown

    def test_wording(self) -> None:
        """§0: the texts, word for word (golden file; the CLI prints them)."""
        lines: list[str] = []
        for path, value in REFUSALS:
            with pytest.raises(ProtocolError) as caught:
                Patient.from_dict(one_bad(path, value))
            lines.extend(f"{path} = {value!r}: {p}" for p in caught.value.problems)
        assert_golden("patient/refusals.txt", "\n".join(lines) + "\n")

    def test_family_signature_without_family(self) -> None:
        """§5 I3: the contradiction names signed_by and its value 'family'."""
        record = with_(
            with_(SPEC_RECORD, "consent.signed_by", "family"),
            "consent.adult_family_available",
            False,
        )
        with pytest.raises(InconsistentRecordError) as caught:
            Patient.from_dict(record)
        assert (caught.value.field, caught.value.value) == ("consent.signed_by", "family")
        assert caught.value.rule == (
            "a family signature contradicts adult_family_available: false (§5 I3)"
        )

    def test_direct_construction_names_field_value_rule(self) -> None:
        """§9: building parts in Python names the field, the value and the rule too."""
        text_not_enum: Any = "respiratory"
        cases: list[tuple[Any, str, object, str]] = [
            (
                lambda: Labs(ventilation_reason=text_not_enum),
                "ventilation_reason",
                "respiratory",
                "must be a VentilationReason (§7.3)",
            ),
            (
                lambda: Consent(signed_by="patient"),  # type: ignore[arg-type]
                "signed_by",
                "patient",
                "must be a Signer or None (§5 I3)",
            ),
            (
                lambda: History(last_gi_bleeding="2021-01-01"),  # type: ignore[arg-type]
                "last_gi_bleeding",
                "2021-01-01",
                "must be a calendar date (§0)",
            ),
            (
                lambda: Patient(
                    patient_id="X",
                    birth_date=date(1970, 1, 1),
                    sex="male",  # type: ignore[arg-type]
                    weight_kg=70,
                ),
                "sex",
                "male",
                "must be 'male' or 'female' (§9)",
            ),
            (
                lambda: Labs(vasopressors=junk(1)),
                "vasopressors",
                1,
                "must be true, false or null (unknown)",
            ),
            (lambda: Labs(he_grade=True), "he_grade", True, "West Haven grade 0-4 (§7.2)"),
        ]
        for call, field, value, rule in cases:
            with pytest.raises(InvalidValueError) as caught:
                call()
            assert (caught.value.field, caught.value.value, caught.value.rule) == (
                field,
                value,
                rule,
            )


#: Paths whose problem shows the number read (a Decimal), not the JSON value sent (§7.1).
NUMBERS_READ = frozenset({"labs.inr", "labs.bilirubin_mg_dl", "labs.sodium_mmol_l"})


class TestProblemPaths:
    """Issue #5, §9: every problem, with its path, in the order the record is read."""

    def test_not_an_object(self) -> None:
        """§9: a list is not a patient record, nor any part's."""
        err = refused(lambda: Patient.from_dict([]))
        assert (err.field, err.value) == ("patient", [])
        assert err.rule == "must be a JSON object with string keys (§9)"
        for part, what in ((Labs, "labs"), (History, "history"), (Consent, "consent")):
            err = refused(lambda part=part: part.from_dict([]))
            assert (err.field, err.value, err.rule) == (what, [], OBJECT_RULE)

    def test_nested_part_not_an_object(self) -> None:
        """§9: a part whose key is a number is named by the part's key."""
        err = refused(lambda: Patient.from_dict({**SPEC_RECORD, "labs": {1: 2}}))
        assert (err.field, err.value, err.rule) == ("labs", {1: 2}, OBJECT_RULE)

    def test_required_keys(self) -> None:
        """§9: an empty record lacks the three required keys, in record order (v2: the
        weight may be unknown)."""
        with pytest.raises(InvalidRecordError) as caught:
            Patient.from_dict({})
        assert [(p.field, p.value, p.rule) for p in caught.value.problems] == [
            (key, None, "is required (§9)") for key in ("patient_id", "birth_date", "sex")
        ]

    def test_weight_in_reading_order(self) -> None:
        """A weight out of range is listed where it was read: before labs, after sex."""
        record = with_(with_(SPEC_RECORD, "weight_kg", 0), "labs.inr", "high")
        record = with_(with_(record, "sex", "M"), "chronic_liver_disease", 1)
        with pytest.raises(InvalidRecordError) as caught:
            Patient.from_dict(record)
        assert [(p.field, p.value) for p in caught.value.problems] == [
            ("sex", "M"),
            ("weight_kg", 0),
            ("chronic_liver_disease", 1),
            ("labs.inr", "high"),
        ]

    def test_read_problems_then_range_problems_in_labs(self) -> None:
        """§9: in labs, values that cannot be read come first, then values out of range."""
        with pytest.raises(InvalidRecordError) as caught:
            Labs.from_dict({"bilirubin_mg_dl": 1000, "inr": "x", "vasopressors": 1, "zz": 0})
        assert [p.field for p in caught.value.problems] == [
            "inr",
            "vasopressors",
            "bilirubin_mg_dl",
            "zz",
        ]
        assert type(caught.value.problems[3]) is UnknownKeyError


OBJECT_RULE = "must be a JSON object with string keys (§9)"


def refused(call: Any) -> InvalidValueError:
    """The ``InvalidValueError`` that *call* raises."""
    with pytest.raises(InvalidValueError) as caught:
        call()
    return caught.value


class TestSIConversion:
    """§7.1: an SI value is converted once, exactly, then held to the conventional bounds."""

    def test_every_si_value_is_checked(self) -> None:
        """§7.1: two SI values out of range give two problems, in SI_FACTORS order."""
        with pytest.raises(InvalidRecordError) as caught:
            Labs.from_dict({"bilirubin_umol_l": 10_000, "creatinine_umol_l": 10_000})
        assert [(p.field, p.value, p.rule) for p in caught.value.problems] == [
            (
                "bilirubin_umol_l",
                10_000,
                "must be > 0 and <= 100 mg/dL once converted to bilirubin_mg_dl (§7.1)",
            ),
            (
                "creatinine_umol_l",
                10_000,
                "must be > 0 and <= 30 mg/dL once converted to creatinine_mg_dl (§7.1)",
            ),
        ]
        assert list(SI_FACTORS) == ["bilirubin_umol_l", "creatinine_umol_l", "albumin_g_l"]

    def test_si_problems_come_before_range_problems(self) -> None:
        """§7.1: an SI value's problem is listed before a conventional value's range problem."""
        with pytest.raises(InvalidRecordError) as caught:
            Labs.from_dict({"albumin_g_l": 1000, "inr": 99})
        assert [p.field for p in caught.value.problems] == ["albumin_g_l", "inr"]

    def test_si_text_that_is_no_number(self) -> None:
        """§9: an SI value that is no number is a reading problem under the SI key."""
        err = refused(lambda: Labs.from_dict({"albumin_g_l": "lots"}))
        assert (err.field, err.value) == ("albumin_g_l", "lots")
        assert err.rule == NUMERAL_RULE


class TestWeightText:
    """§0, §3.2: a weight is an exact Decimal in (0, 350] kg, named as given when refused."""

    @pytest.mark.parametrize(
        "text", ["6_2.5", " 62.5 ", "\uff16\uff12.\uff15", "\u0666\u0662.\u0665", "Infinity", "+5"]
    )
    def test_only_ascii_json_numerals(self, text: str) -> None:
        """§9 v2: an odd numeral is refused by to_weight_kg, Patient and Patient.from_dict."""
        err = refused(lambda: to_weight_kg(text))
        assert (err.field, err.value, err.rule) == ("weight_kg", text, NUMERAL_RULE)
        err = refused(lambda: Patient.from_dict({**SPEC_RECORD, "weight_kg": text}))
        assert (err.field, err.value, err.rule) == ("weight_kg", text, NUMERAL_RULE)
        base = Patient.from_dict(SPEC_RECORD)
        err = refused(lambda: attrs.evolve(base, weight_kg=text))
        assert (err.field, err.value) == ("weight_kg", text)

    def test_weight_range_ends(self) -> None:
        """§3.2: 0.001 kg and 350 kg are weights; 350.001 kg is not, named as given."""
        assert to_weight_kg("0.001") == Decimal("0.001")
        assert to_weight_kg(350) == Decimal(350)
        err = refused(lambda: to_weight_kg("350.001", "baseline"))
        assert (err.field, err.value, err.rule) == (
            "baseline",
            "350.001",
            "must be > 0 and <= 350 kg (§3.2)",
        )

    def test_weight_not_a_number(self) -> None:
        """§3.2: a list is not a weight; the error names the field given."""
        err = refused(lambda: to_weight_kg([62], "w"))
        assert (err.field, err.value) == ("w", [62])

    def test_weight_is_stored_exactly(self) -> None:
        """§0: a float weight 62.3 is stored as Decimal('62.3'), an int 70 as Decimal(70)."""
        for sent, stored in (
            (62.3, Decimal("62.3")),
            (70, Decimal(70)),
            ("70.10", Decimal("70.10")),
        ):
            patient = Patient(
                patient_id="X", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=sent
            )
            assert patient.weight_kg == stored
            assert str(patient.weight_kg) == str(stored)
            assert type(patient.weight_kg) is Decimal

    def test_weight_read_from_text_exactly(self) -> None:
        """§0, §9: "62.50" is read as Decimal('62.50'), written back as the same text."""
        patient = Patient.from_dict({**SPEC_RECORD, "weight_kg": "62.50"})
        assert str(patient.weight_kg) == "62.50"
        assert patient.to_dict()["weight_kg"] == "62.50"

    def test_weight_refused_at_construction(self) -> None:
        """§3.2: a patient built with 0 kg names weight_kg and shows the value given."""
        err = refused(
            lambda: Patient(patient_id="X", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=0)
        )
        assert (err.field, err.value, err.rule) == (
            "weight_kg",
            0,
            "must be > 0 and <= 350 kg (§3.2)",
        )
        assert type(err.value) is int  # as given, not the Decimal it would have become

    def test_birth_after_screening(self) -> None:
        """§5: a birth date after the screening date names both dates."""
        err = refused(lambda: age_years(date(2022, 1, 1), date(2021, 1, 1)))
        assert (err.field, err.value) == ("birth_date", date(2022, 1, 1))
        assert err.rule == "must not be after the screening date 2021-01-01 (§5)"

    def test_born_on_the_screening_date(self) -> None:
        """§0: born on the screening date is age 0, not an error."""
        assert age_years(date(2021, 1, 1), date(2021, 1, 1)) == 0

    def test_birth_date_must_be_a_date(self) -> None:
        """§0: age_years refuses a text birth date, and a text screening date, by name."""
        err = refused(lambda: age_years(junk("1970-01-01"), date(2021, 1, 1)))
        assert (err.field, err.value, err.rule) == (
            "birth_date",
            "1970-01-01",
            "must be a calendar date (§0)",
        )
        assert refused(lambda: age_years(date(1970, 1, 1), junk("2021-01-01"))).field == "on"


class TestPartsInFull:
    """§9: each part's record, written by hand."""

    def test_labs_record(self) -> None:
        """§9: lab values as numbers, flags as booleans, unknowns as null; each lab under the
        key it was recorded in (v2)."""
        labs = Labs.from_dict(
            {
                "bilirubin_umol_l": 205.2,
                "inr": "2.6",
                "he_grade": 2,
                "vasopressors": False,
                "ventilation_reason": "hepatic_encephalopathy",
                "sodium_mmol_l": 80,
            }
        )
        assert labs.to_dict() == {
            "bilirubin_umol_l": 205.2,
            "creatinine_mg_dl": None,
            "inr": 2.6,
            "he_grade": 2,
            "map_mmhg": None,
            "vasopressors": False,
            "pao2_fio2": None,
            "spo2_fio2": None,
            "mechanical_ventilation": None,
            "ventilation_reason": "hepatic_encephalopathy",
            "renal_replacement": None,
            "wbc_10e9_l": None,
            "sodium_mmol_l": 80,
            "albumin_g_dl": None,
            "ascites": None,
        }

    def test_history_record(self) -> None:
        """§9: dated facts as ISO dates or "never", booleans, unknowns as null."""
        history = History.from_dict(
            {"hiv": False, "last_gi_bleeding": "2021-09-01", "last_drug_trial": "never"}
        )
        assert history.last_drug_trial is Never.NEVER
        record = history.to_dict()
        assert record["hiv"] is False
        assert record["last_gi_bleeding"] == "2021-09-01"
        assert record["last_drug_trial"] == "never"
        assert record["last_serious_infection"] is None
        assert len(record) == 16

    def test_consent_record(self) -> None:
        """§9: the signer's value and both flags."""
        consent = Consent.from_dict({"signed_by": "family", "adult_family_available": True})
        assert consent.signed_by is Signer.FAMILY
        assert consent.to_dict() == {
            "signed_by": "family",
            "has_capacity": None,
            "adult_family_available": True,
        }
        assert Consent().to_dict() == {
            "signed_by": None,
            "has_capacity": None,
            "adult_family_available": None,
        }

    def test_reason_defaults_to_respiratory(self) -> None:
        """§7.3: a missing or null ventilation reason reads as respiratory."""
        assert Labs.from_dict({}).ventilation_reason is VentilationReason.RESPIRATORY
        reason = Labs.from_dict({"ventilation_reason": None}).ventilation_reason
        assert reason is VentilationReason.RESPIRATORY


class TestFieldFactories:
    """§0, §7.1: a lab field is unknown by default, lenient in, bounded with its rule.

    The factories run when the models are defined; building a model from them here lets
    mutation testing see them (docs/mutation.md, "built at import").
    """

    def test_fields_built_at_call_time(self) -> None:
        """Defaults, conversions and each field's refusal (field, value, rule)."""
        holder = attrs.make_class(
            "Holder",
            {
                "sodium": _lab("80", "200", "mmol/L", low_inclusive=True),
                "inr": _lab("0", "20", ""),
                "flag": _flag(),
                "when": _dated_field(),
                "sex": attrs.field(validator=instance_of(Sex, "must be 'male' or 'female' (§9)")),
            },
            kw_only=True,
        )
        blank = holder(sex=Sex.MALE)
        assert (blank.sodium, blank.inr, blank.flag, blank.when) == (None, None, None, None)
        full = holder(sex=Sex.FEMALE, sodium=80, inr="2.5", flag=False, when=Never.NEVER)
        assert (full.sodium, full.inr, full.flag) == (Decimal(80), Decimal("2.5"), False)
        assert holder(sex=Sex.MALE, when=date(2021, 1, 1)).when == date(2021, 1, 1)
        refusals: list[tuple[dict[str, Any], str, object, str]] = [
            ({"sodium": 79}, "sodium", Decimal(79), "must be >= 80 and <= 200 mmol/L"),
            ({"sodium": 201}, "sodium", Decimal(201), "must be >= 80 and <= 200 mmol/L"),
            ({"inr": 0}, "inr", Decimal(0), "must be > 0 and <= 20"),
            ({"flag": 1}, "flag", 1, "must be true, false or null (unknown)"),
            ({"when": "never"}, "when", "never", "must be a calendar date (§0)"),
            ({"sex": "male"}, "sex", "male", "must be 'male' or 'female' (§9)"),
        ]
        for changes, field, value, rule in refusals:
            err = refused(lambda changes=changes: holder(**{"sex": Sex.MALE, **changes}))
            assert (err.field, err.value, err.rule) == (field, value, rule)

    def test_lab_metadata_holds_bounds_and_unit(self) -> None:
        """D-LAB-BOUNDS: each lab's bounds and unit are its field's metadata."""
        sodium = attrs.fields(Labs).sodium_mmol_l.metadata
        assert sodium["unit"] == "mmol/L"
        assert (sodium["bounds"].low, sodium["bounds"].high) == (Decimal(80), Decimal(200))
        assert sodium["bounds"].low_inclusive is True
        assert attrs.fields(Labs).inr.metadata["unit"] == ""
        assert attrs.fields(Labs).he_grade.metadata["bounds"].high == 4
        assert attrs.fields(Patient).weight_kg.metadata["bounds"].high == 350


class TestUnknownKeys:
    """§9: a key the schema does not know is refused, on its own class, at its path."""

    def test_unknown_key_has_its_own_class(self) -> None:
        """An unknown key raises UnknownKeyError, which callers may catch on its own."""
        err = refused(lambda: Patient.from_dict({**SPEC_RECORD, "weight_lb": 130}))
        assert type(err) is UnknownKeyError
        assert (err.field, err.value) == ("weight_lb", 130)

    def test_unknown_keys_in_parts_sorted_and_last(self) -> None:
        """Unknown keys of a part carry its path, sorted, after the part's other problems."""
        record = with_(SPEC_RECORD, "labs.zz", 1)
        record = with_(record, "labs.aa", 2)
        record = with_(record, "labs.inr", "x")
        with pytest.raises(InvalidRecordError) as caught:
            Patient.from_dict(record)
        assert [p.field for p in caught.value.problems] == ["labs.inr", "labs.aa", "labs.zz"]
        assert [type(p) for p in caught.value.problems[1:]] == [UnknownKeyError] * 2


def junk(value: object) -> Any:
    """*value* typed as anything: the argument a caller should not have passed."""
    return value


class TestJsonText:
    """§0 v2, §9: ``from_dict`` reads JSON text too, and a repeated key is refused."""

    def test_text_reads_like_the_parsed_record(self) -> None:
        """Text and bytes give the patient the dict gives."""
        text = json.dumps(SPEC_RECORD)
        assert Patient.from_dict(text) == Patient.from_dict(SPEC_RECORD)
        assert Patient.from_dict(text.encode()) == Patient.from_dict(SPEC_RECORD)
        assert Labs.from_dict('{"inr": 2.6}').inr == Decimal("2.6")
        assert History.from_dict('{"hiv": false}').hiv is False
        assert Consent.from_dict('{"signed_by": "patient"}').signed_by is Signer.PATIENT

    def test_a_second_weight_is_refused_not_five_times_the_dose(self) -> None:
        """{"weight_kg": "62.5", "weight_kg": "350"}: json.loads keeps 350 kg (5.6x the dose)."""
        text = json.dumps(SPEC_RECORD)[:-1] + ', "weight_kg": "350"}'
        assert json.loads(text)["weight_kg"] == "350"  # what a plain parser silently does
        with pytest.raises(DuplicateKeyError) as caught:
            Patient.from_dict(text)
        assert (caught.value.field, caught.value.value) == ("weight_kg", "weight_kg")

    def test_hiv_true_then_false_is_refused_not_eligible(self) -> None:
        """ "hiv": true, "hiv": false would screen ELIGIBLE; it is refused at history.hiv."""
        text = json.dumps(SPEC_RECORD).replace('"hiv": false', '"hiv": true, "hiv": false')
        assert json.loads(text)["history"]["hiv"] is False
        with pytest.raises(DuplicateKeyError) as caught:
            Patient.from_dict(text)
        assert caught.value.field == "history.hiv"
        assert caught.value.to_dict()["code"] == "duplicate_key"

    def test_text_inside_a_record_is_not_read_as_a_record(self) -> None:
        """Only the whole record may be text: "labs" holding JSON text is not an object."""
        record = {**SPEC_RECORD, "labs": json.dumps(SPEC_RECORD["labs"])}
        err = refused(lambda: Patient.from_dict(record))
        assert err.field == "labs"
        assert "JSON object" in err.rule

    def test_text_that_is_not_json(self) -> None:
        """Broken text is an InvalidJsonError naming the record."""
        err = refused(lambda: Patient.from_dict('{"patient_id": "P1"'))
        assert isinstance(err, InvalidJsonError)
        assert err.field == "patient"


class TestPatientId:
    """§0 v2 "Text": a patient_id with a line break or control character is refused."""

    @pytest.mark.parametrize("bad", BAD_IDS)
    def test_refused_from_a_record_and_in_the_model(self, bad: str) -> None:
        """From a record and from the constructor, naming patient_id and the id as given."""
        err = refused(lambda: Patient.from_dict({**SPEC_RECORD, "patient_id": bad}))
        assert (err.field, err.value) == ("patient_id", bad)
        assert "control characters" in err.rule
        base = Patient.from_dict(SPEC_RECORD)
        assert refused(lambda: attrs.evolve(base, patient_id=bad)).field == "patient_id"


class TestConsentStates:
    """§5 I3 v2: signed by the patient or family, declined, or not yet obtained (null)."""

    @pytest.mark.parametrize(
        ("value", "signer"),
        [("patient", Signer.PATIENT), ("family", Signer.FAMILY), ("declined", Signer.DECLINED)],
    )
    def test_each_state_round_trips(self, value: str, signer: Signer) -> None:
        """Each signer value reads to its member and is written back as the same text."""
        consent = Consent.from_dict({"signed_by": value})
        assert consent.signed_by is signer
        assert consent.to_dict()["signed_by"] == value
        assert Consent.from_dict(consent.to_dict()) == consent

    def test_missing_and_null_are_not_yet_obtained(self) -> None:
        """A missing consent section, a missing key and null all read as None (unknown)."""
        bare = {"patient_id": "X", "birth_date": "1970-01-01", "sex": "female"}
        assert Patient.from_dict(bare).consent.signed_by is None
        assert Consent.from_dict({}).signed_by is None
        assert Consent.from_dict({"signed_by": None}).signed_by is None

    def test_declined_beside_no_family_is_no_contradiction(self) -> None:
        """Only a family signature contradicts adult_family_available: false."""
        consent = Consent(signed_by=Signer.DECLINED, adult_family_available=False)
        assert consent.adult_family_available is False


class TestUnknownWeight:
    """§9 v2: the weight may be unknown (missing or null); screening does not need it."""

    @pytest.mark.parametrize("record", [{"weight_kg": None}, {}], ids=["null", "missing"])
    def test_unknown_weight_reads_as_none(self, record: dict[str, Any]) -> None:
        """A null or missing weight is None and is written back as null; it round-trips."""
        base = {k: v for k, v in SPEC_RECORD.items() if k != "weight_kg"}
        patient = Patient.from_dict({**base, **record})
        assert patient.weight_kg is None
        assert patient.to_dict()["weight_kg"] is None
        assert Patient.from_dict(patient.to_dict()) == patient

    def test_python_construction_without_weight(self) -> None:
        """Patient(...) without weight_kg holds None; a bad weight is still refused."""
        patient = Patient(patient_id="X", birth_date=date(1970, 1, 1), sex=Sex.FEMALE)
        assert patient.weight_kg is None
        with pytest.raises(InvalidValueError, match=r"^weight_kg: .*§3\.2"):
            Patient(patient_id="X", birth_date=date(1970, 1, 1), sex=Sex.FEMALE, weight_kg=0)


class TestMalePregnancy:
    """§5 E6 v2: a male record with pregnancy or lactation true is contradictory."""

    @pytest.mark.parametrize("fact", ["pregnant", "lactating"])
    def test_male_with_a_true_fact_is_refused(self, fact: str) -> None:
        """InconsistentRecordError naming history.<fact>, from Python and from a record."""
        err = refusal(
            lambda: Patient(
                patient_id="X",
                birth_date=date(1970, 1, 1),
                sex=Sex.MALE,
                history=History(pregnant=True) if fact == "pregnant" else History(lactating=True),
            )
        )
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == (f"history.{fact}", True)
        assert err.to_dict()["code"] == "inconsistent_record"
        record = with_(SPEC_RECORD, f"history.{fact}", True)
        from_record = refusal(lambda: Patient.from_dict(record))
        assert isinstance(from_record, InconsistentRecordError)
        assert [p.field for p in from_record.problems] == [f"history.{fact}"]

    @pytest.mark.parametrize("value", [None, False])
    def test_male_with_unknown_or_false_facts_is_valid(self, value: bool | None) -> None:
        """Unknown or false pregnancy and lactation are fine for a male patient."""
        record = with_(with_(SPEC_RECORD, "history.pregnant", value), "history.lactating", value)
        assert Patient.from_dict(record).history.pregnant is value

    def test_female_may_be_pregnant(self) -> None:
        """A female patient recorded as pregnant is a valid record (E6 then excludes)."""
        record = with_(with_(SPEC_RECORD, "sex", "female"), "history.pregnant", True)
        assert Patient.from_dict(record).history.pregnant is True


class TestRecordedUnits:
    """§9 v2: each lab is kept and written back in the unit it was recorded in (D-LAB-JSON)."""

    def test_python_construction_in_si_units(self) -> None:
        """Labs(x_umol_l=v) derives the conventional value exactly; giving both agreeing
        values is the same Labs, disagreeing ones are a contradiction naming the SI key."""
        si = Labs(creatinine_umol_l=Decimal("132.6"))
        assert si.creatinine_mg_dl == Decimal("1.5")
        assert Labs(creatinine_umol_l=Decimal("132.6"), creatinine_mg_dl=Decimal("1.5")) == si
        err = refusal(lambda: attrs.evolve(si, creatinine_mg_dl=Decimal(2)))
        assert isinstance(err, InconsistentRecordError)
        assert err.field == "creatinine_umol_l"

    def test_si_and_conventional_records_differ_only_in_unit(self) -> None:
        """The same value recorded in two units: equal conventional values (the scores' view),
        different records."""
        si = Labs.from_dict({"albumin_g_l": 29})
        conventional = Labs.from_dict({"albumin_g_dl": 2.9})
        assert si.albumin_g_dl == conventional.albumin_g_dl == Decimal("2.9")
        assert si != conventional
        assert si.to_dict()["albumin_g_l"] == 29
        assert conventional.to_dict()["albumin_g_dl"] == 2.9

    @given(value=labs(si=True))
    @example(value=Labs(bilirubin_umol_l=Decimal("356.2")))
    @example(value=Labs(creatinine_umol_l=Decimal("97.24"), albumin_g_l=Decimal(29)))
    def test_round_trip_with_json_numbers(self, value: Labs) -> None:
        """Labs.from_dict(labs.to_dict()) == labs, every value a JSON number (int or float,
        never a str), a bool, null or an enum's text, in either unit (§9 v2)."""
        record = value.to_dict()
        for key, item in record.items():
            assert item is None or type(item) in {int, float, bool, str}, key
            if type(item) is str:
                assert key in {"ventilation_reason", "ascites"}
            if type(item) is float:
                assert Decimal(repr(item)) == getattr(value, key)  # the exact value
        assert Labs.from_dict(record) == value
        assert Labs.from_dict(json.loads(json.dumps(record))) == value
