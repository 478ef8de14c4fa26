"""Patient-record behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §0, §3.2, §5, §7.1 or §9 that a surviving mutant of
``aclf_protocol/patient.py`` broke without any other test noticing: every refusal read word
for word (§0: the field path, the value and the rule), the parts' records compared in full,
and the ends of the weight range. The §9 example record is tests/strategies.py's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    Consent,
    History,
    InvalidRecordError,
    InvalidValueError,
    Labs,
    Never,
    Patient,
    ProtocolError,
    Sex,
    Signer,
    VentilationReason,
    age_years,
)
from aclf_protocol.patient import _dated_field, _flag, _instance_of, _lab, to_weight_kg
from tests.fixtures import SPEC_RECORD
from tests.test_patient import with_

#: (path in the §9 record, bad value, the one problem's text), each text read off the rule.
REFUSALS: list[tuple[str, object, str]] = [
    ("weight_kg", 0, "weight_kg: must be > 0 and <= 350 kg (§3.2); got 0"),
    ("weight_kg", True, "weight_kg: must be > 0 and <= 350 kg (§3.2); got True"),
    ("weight_kg", "NaN", "weight_kg: must be > 0 and <= 350 kg (§3.2); got 'NaN'"),
    (
        "birth_date",
        "19680501",
        "birth_date: must be an ISO 8601 date YYYY-MM-DD (§9); got '19680501'",
    ),
    ("sex", "M", "sex: must be one of 'male', 'female' (§9); got 'M'"),
    ("patient_id", "", "patient_id: must be a non-empty string (§9); got ''"),
    ("chronic_liver_disease", 1, "chronic_liver_disease: must be true or false (§9); got 1"),
    ("labs.inr", -1, "labs.inr: must be > 0 and <= 20; got Decimal('-1')"),
    (
        "labs.bilirubin_mg_dl",
        0,
        "labs.bilirubin_mg_dl: must be > 0 and <= 100 mg/dL; got Decimal('0')",
    ),
    (
        "labs.sodium_mmol_l",
        79,
        "labs.sodium_mmol_l: must be >= 80 and <= 200 mmol/L; got Decimal('79')",
    ),
    ("labs.he_grade", 5, "labs.he_grade: West Haven grade 0-4 (§7.2); got 5"),
    ("labs.vasopressors", "false", "labs.vasopressors: must be true or false (§9); got 'false'"),
    (
        "labs.ventilation_reason",
        "sedation",
        (
            "labs.ventilation_reason: must be one of 'respiratory', 'hepatic_encephalopathy' "
            "(§9); got 'sedation'"
        ),
    ),
    (
        "labs.creatinine_umol_l",
        10_000,
        (
            "labs.creatinine_umol_l: must be > 0 and <= 30 mg/dL once converted to "
            "creatinine_mg_dl (§7.1); got 10000"
        ),
    ),
    (
        "labs.bilirubin_umol_l",
        17.1,
        (
            "labs.bilirubin_umol_l: give bilirubin in one unit only, not also as "
            "bilirubin_mg_dl (§9); got 17.1"
        ),
    ),
    (
        "history.last_gi_bleeding",
        "last week",
        (
            'history.last_gi_bleeding: must be a date YYYY-MM-DD, "never" or null (§9); '
            "got 'last week'"
        ),
    ),
    ("history.hiv", "no", "history.hiv: must be true or false (§9); got 'no'"),
    (
        "consent.signed_by",
        "doctor",
        "consent.signed_by: must be one of 'patient', 'family' (§9); got 'doctor'",
    ),
    ("labs", [], "labs: must be a JSON object with string keys (§9); got []"),
    ("extra", 1, "extra: is not a known key (§9); got 1"),
]


class TestRefusalTexts:
    """§0, §9: one bad field gives one problem naming the path, the value and the rule."""

    @pytest.mark.parametrize(("path", "value", "text"), REFUSALS)
    def test_one_problem_word_for_word(self, path: str, value: object, text: str) -> None:
        """§0: the problem's text names the full path, the value sent and the rule broken."""
        record = with_(SPEC_RECORD, path, value)
        if path == "labs.creatinine_umol_l":  # the §9 record gives creatinine in mg/dL
            record = with_(record, "labs.creatinine_mg_dl", None)
        with pytest.raises(ProtocolError) as caught:
            Patient.from_dict(record)
        assert [str(p) for p in caught.value.problems] == [text]

    def test_family_signature_without_family_text(self) -> None:
        """§5 I3: the contradiction names signed_by and its value 'family'."""
        record = with_(
            with_(SPEC_RECORD, "consent.signed_by", "family"),
            "consent.adult_family_available",
            False,
        )
        with pytest.raises(ProtocolError) as caught:
            Patient.from_dict(record)
        assert [str(p) for p in caught.value.problems] == [
            (
                "consent.signed_by: a family signature contradicts adult_family_available: "
                "false (§5 I3); got 'family'"
            )
        ]

    def test_not_an_object(self) -> None:
        """§9: a list is not a patient record."""
        with pytest.raises(InvalidValueError) as caught:
            Patient.from_dict([])
        assert str(caught.value) == "patient: must be a JSON object with string keys (§9); got []"

    @pytest.mark.parametrize(
        ("part", "what"), [(Labs, "labs"), (History, "history"), (Consent, "consent")]
    )
    def test_parts_not_objects(self, part: Any, what: str) -> None:
        """§9: each part refuses a list under its own name."""
        with pytest.raises(InvalidValueError) as caught:
            part.from_dict([])
        assert str(caught.value) == f"{what}: must be a JSON object with string keys (§9); got []"

    def test_required_keys(self) -> None:
        """§9: an empty record lacks the four required keys, in record order."""
        with pytest.raises(InvalidRecordError) as caught:
            Patient.from_dict({})
        assert [str(p) for p in caught.value.problems] == [
            f"{key}: is required (§9); got None"
            for key in ("patient_id", "birth_date", "sex", "weight_kg")
        ]

    def test_direct_construction_texts(self) -> None:
        """§9: building parts in Python names the field, the value and the rule too."""
        text_not_enum: Any = "respiratory"
        cases: list[tuple[Any, str]] = [
            (
                lambda: Labs(ventilation_reason=text_not_enum),
                "ventilation_reason: must be a VentilationReason (§7.3); got 'respiratory'",
            ),
            (
                lambda: Consent(signed_by="patient"),  # type: ignore[arg-type]
                "signed_by: must be a Signer or None (§5 I3); got 'patient'",
            ),
            (
                lambda: History(last_gi_bleeding="2021-01-01"),  # type: ignore[arg-type]
                "last_gi_bleeding: must be a calendar date (§0); got '2021-01-01'",
            ),
            (
                lambda: Patient(
                    patient_id="X",
                    birth_date=date(1970, 1, 1),
                    sex="male",  # type: ignore[arg-type]
                    weight_kg=70,
                ),
                "sex: must be 'male' or 'female' (§9); got 'male'",
            ),
        ]
        for call, text in cases:
            with pytest.raises(InvalidValueError) as caught:
                call()
            assert str(caught.value) == text


class TestPartsInFull:
    """§9: each part's record, written by hand."""

    def test_labs_record(self) -> None:
        """§9: lab values as numbers, flags as booleans, unknowns as null, conventional keys."""
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
            "bilirubin_mg_dl": 12,
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
        """§7.3: a missing ventilation reason reads as respiratory."""
        assert Labs.from_dict({}).ventilation_reason is VentilationReason.RESPIRATORY


class TestWeightAndAge:
    """§0, §3.2, §5: the ends of the weight range and the age's refusals."""

    def test_weight_range_ends(self) -> None:
        """§3.2: 0.001 kg and 350 kg are weights; 350.001 kg is not, named as given."""
        assert to_weight_kg("0.001") == Decimal("0.001")
        assert to_weight_kg(350) == Decimal(350)
        with pytest.raises(InvalidValueError) as caught:
            to_weight_kg("350.001", "baseline")
        assert str(caught.value) == "baseline: must be > 0 and <= 350 kg (§3.2); got '350.001'"

    def test_weight_not_a_number(self) -> None:
        """§3.2: a list is not a weight; the error names the field given."""
        with pytest.raises(InvalidValueError) as caught:
            to_weight_kg([62], "w")
        assert str(caught.value) == "w: must be > 0 and <= 350 kg (§3.2); got [62]"

    def test_birth_after_screening_text(self) -> None:
        """§5: a birth date after the screening date names both dates."""
        with pytest.raises(InvalidValueError) as caught:
            age_years(date(2022, 1, 1), date(2021, 1, 1))
        assert (caught.value.field, caught.value.value) == ("birth_date", date(2022, 1, 1))
        assert caught.value.rule == "must not be after the screening date 2021-01-01 (§5)"

    def test_born_on_the_screening_date(self) -> None:
        """§0: born on the screening date is age 0, not an error."""
        assert age_years(date(2021, 1, 1), date(2021, 1, 1)) == 0


class TestSecondMeasurement:
    """§0, §3.2, §7.1: what the second measurement still found unpinned."""

    def test_every_si_value_is_checked(self) -> None:
        """§7.1: two SI values out of range give two problems, in SI_FACTORS order."""
        with pytest.raises(InvalidRecordError) as caught:
            Labs.from_dict({"bilirubin_umol_l": 10_000, "creatinine_umol_l": 10_000})
        assert [str(p) for p in caught.value.problems] == [
            (
                "bilirubin_umol_l: must be > 0 and <= 100 mg/dL once converted to "
                "bilirubin_mg_dl (§7.1); got 10000"
            ),
            (
                "creatinine_umol_l: must be > 0 and <= 30 mg/dL once converted to "
                "creatinine_mg_dl (§7.1); got 10000"
            ),
        ]

    def test_weight_is_stored_exactly(self) -> None:
        """§0: a float weight 62.3 is stored as Decimal('62.3'), an int 70 as Decimal(70)."""
        for given, stored in ((62.3, Decimal("62.3")), (70, Decimal(70))):
            patient = Patient(
                patient_id="X", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=given
            )
            assert patient.weight_kg == stored
            assert type(patient.weight_kg) is Decimal

    def test_weight_refused_at_construction(self) -> None:
        """§3.2: a patient built with 0 kg names weight_kg."""
        with pytest.raises(InvalidValueError) as caught:
            Patient(patient_id="X", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=0)
        assert str(caught.value) == "weight_kg: must be > 0 and <= 350 kg (§3.2); got 0"

    def test_birth_date_must_be_a_date(self) -> None:
        """§0: age_years refuses a text birth date by name."""
        with pytest.raises(InvalidValueError) as caught:
            age_years(junk("1970-01-01"), date(2021, 1, 1))
        assert str(caught.value) == "birth_date: must be a calendar date (§0); got '1970-01-01'"

    def test_field_factories_built_at_call_time(self) -> None:
        """§0, §7.1: a lab field is unknown by default, lenient in, bounded with its rule text.

        The factories run when the models are defined; building a model from them here lets
        mutation testing see them (docs/mutation.md, "built at import").
        """
        holder = attrs.make_class(
            "Holder",
            {
                "sodium": _lab("80", "200", "mmol/L", low_inclusive=True),
                "inr": _lab("0", "20", ""),
                "flag": _flag(),
                "when": _dated_field(),
                "sex": attrs.field(validator=_instance_of(Sex, "must be 'male' or 'female' (§9)")),
            },
            kw_only=True,
        )
        blank = holder(sex=Sex.MALE)
        assert (blank.sodium, blank.inr, blank.flag, blank.when) == (None, None, None, None)
        full = holder(sex=Sex.FEMALE, sodium=80, inr="2.5", flag=False, when=Never.NEVER)
        assert (full.sodium, full.inr, full.flag) == (Decimal(80), Decimal("2.5"), False)
        refusals: list[tuple[dict[str, Any], str]] = [
            ({"sodium": 79}, "sodium: must be >= 80 and <= 200 mmol/L; got Decimal('79')"),
            ({"sodium": 201}, "sodium: must be >= 80 and <= 200 mmol/L; got Decimal('201')"),
            ({"inr": 0}, "inr: must be > 0 and <= 20; got Decimal('0')"),
            ({"flag": 1}, "flag: must be true, false or null (unknown); got 1"),
            ({"when": "never"}, "when: must be a calendar date (§0); got 'never'"),
        ]
        for changes, text in refusals:
            with pytest.raises(InvalidValueError) as caught:
                holder(sex=Sex.MALE, **changes)
            assert str(caught.value) == text
        with pytest.raises(InvalidValueError) as caught:
            holder(sex="male")
        assert str(caught.value) == "sex: must be 'male' or 'female' (§9); got 'male'"


def junk(value: object) -> Any:
    """*value* typed as anything: the argument a caller should not have passed."""
    return value
