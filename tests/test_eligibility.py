"""Eligibility screening: I1-I3, E1-E7 in three-valued logic, and its laws (SPEC §5, §10)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    Criterion,
    CriterionKind,
    EligibilityResult,
    EligibilityStatus,
    InconsistentRecordError,
    InvalidValueError,
    Outcome,
    Patient,
    ProtocolError,
    Sex,
    aclf_grade,
    age_years,
    check_eligibility,
    screen,
    summarise_screening,
)
from tests.fixtures import SPEC_RECORD
from tests.strategies import (
    completions,
    fillings,
    partial_patients,
    screening_dates,
    screening_patients,
    shuffled_records,
    study_dates,
    unknown_paths,
    with_facts,
)

ON = date(2021, 10, 1)
MET, NOT_MET, PRESENT, ABSENT, UNKNOWN = (
    Outcome.MET,
    Outcome.NOT_MET,
    Outcome.PRESENT,
    Outcome.ABSENT,
    Outcome.UNKNOWN,
)


def rj001(**changes: Any) -> Patient:
    """RJ-001 with record paths changed: ``rj001(**{"labs.inr": None})``."""
    record = copy.deepcopy(SPEC_RECORD)
    for path, value in changes.items():
        group, _, key = path.rpartition(".")
        (record[group] if group else record)[key] = value
    return Patient.from_dict(record)


def outcome(patient: Patient, criterion: str, on: date = ON, **kwargs: Any) -> Outcome:
    """One criterion's outcome, checked to be the same decided fast and explained."""
    result = check_eligibility(patient, on, **kwargs)
    explained = result.criteria[criterion].outcome
    assert result.outcome_by_criterion[criterion] is explained
    return explained


def reason(patient: Patient, criterion: str, on: date = ON) -> str:
    """One criterion's reason."""
    return check_eligibility(patient, on).criteria[criterion].reason


class TestSpecExample:
    """SPEC §9: RJ-001 is ACLF grade 2 and ELIGIBLE on 2021-10-01."""

    def test_rj001_is_eligible_with_grade_two(self) -> None:
        """Grade 2 (liver, coagulation failure) and every criterion MET or ABSENT."""
        patient = rj001()
        result = check_eligibility(patient, ON)
        assert aclf_grade(patient.labs) == 2
        assert result.status is EligibilityStatus.ELIGIBLE
        assert result.status.value == "eligible"
        assert [r.outcome for r in result.criteria.values()] == [MET] * 3 + [ABSENT] * 7
        assert result.missing == ()
        assert result.patient_id == "RJ-001"

    def test_rj001_reasons(self) -> None:
        """The reasons name the facts and values used (§5)."""
        criteria = check_eligibility(rj001(), ON).criteria
        assert criteria["I1"].reason == "I1 met: age 53 on 2021-10-01 is within 18-70"
        assert criteria["I2"].reason == (
            "I2 met: chronic liver disease with ACLF grade 2 (liver, coagulation failure); "
            "eligible: ACLF grade 1 or 2"
        )
        assert criteria["E5"].reason == (
            "E5 absent: no GI bleeding since 2021-09-01 (last on 2021-03-02); "
            "no serious infection ever"
        )
        assert criteria["E6"].reason == (
            "E6 absent: male patient: pregnancy and lactation do not apply"
        )

    def test_criteria_follow_the_protocol(self) -> None:
        """Ids I1..E7 in protocol order, with kind and the record's words."""
        criteria = check_eligibility(rj001(), ON).criteria
        assert list(criteria) == [c.criterion_id for c in NCT04822922.criteria]
        assert criteria["E3"].kind is CriterionKind.EXCLUSION
        assert criteria["E3"].text == NCT04822922.criterion("E3").text

    def test_to_dict_is_json(self) -> None:
        """to_dict: ISO date, enum values, criteria by id; JSON round-trips it unchanged."""
        record = check_eligibility(rj001(), ON).to_dict()
        assert json.loads(json.dumps(record)) == record
        assert record["status"] == "eligible"
        assert record["on"] == "2021-10-01"
        assert record["criteria"]["I3"]["outcome"] == "met"

    def test_criteria_mapping_is_read_only(self) -> None:
        """.criteria is a read-only mapping (the result is immutable)."""
        criteria = check_eligibility(rj001(), ON).criteria
        assert isinstance(criteria, MappingProxyType)
        with pytest.raises(TypeError):
            criteria["I1"] = criteria["I2"]  # type: ignore[index]


class TestAgeI1:
    """I1: completed years on the screening date, 18-70 inclusive (§0, §5)."""

    @pytest.mark.parametrize(
        ("birth", "expected"),
        [
            ("2003-10-01", MET),  # 18th birthday on the screening date
            ("2003-10-02", NOT_MET),  # 17 until tomorrow
            ("1950-10-02", MET),  # 70, turns 71 tomorrow
            ("1950-10-01", NOT_MET),  # 71 today
        ],
    )
    def test_age_limits_inclusive(self, birth: str, expected: Outcome) -> None:
        """18 and 70 are inside, 17 and 71 outside."""
        assert outcome(rj001(birth_date=birth), "I1") is expected

    def test_leap_day_birthday(self) -> None:
        """Born 29 Feb 2000: 18 on 28 Feb 2018 (relativedelta's rule, §0), 17 the day before."""
        patient = rj001(birth_date="2000-02-29")
        assert outcome(patient, "I1", date(2018, 2, 28)) is MET
        assert outcome(patient, "I1", date(2018, 2, 27)) is NOT_MET

    def test_birth_after_screening_is_an_error(self) -> None:
        """§5: a birth date after the screening date is a ProtocolError naming birth_date."""
        with pytest.raises(InconsistentRecordError, match=r"^birth_date: "):
            check_eligibility(rj001(birth_date="2021-10-02"), ON)

    def test_variant_changes_age_limit_without_code(self) -> None:
        """attrs.evolve(max_age_years=75) admits a 71-year-old (§1, §10)."""
        older = rj001(birth_date="1950-01-01")
        variant = attrs.evolve(NCT04822922, max_age_years=75)
        assert outcome(older, "I1") is NOT_MET
        assert outcome(older, "I1", protocol=variant) is MET
        assert check_eligibility(older, ON, protocol=variant).criteria["I1"].reason == (
            "I1 met: age 71 on 2021-10-01 is within 18-75"
        )


class TestAclfI2:
    """I2: chronic liver disease and ACLF grade 1-2 over the still-possible grades (§5, §7.4)."""

    def test_grade_three_not_met(self) -> None:
        """Three failures: NOT_MET, naming them."""
        patient = rj001(**{"labs.creatinine_mg_dl": 2.4})
        assert outcome(patient, "I2") is NOT_MET
        assert reason(patient, "I2").startswith(
            "I2 not met: ACLF grade 3 (liver, kidney, coagulation failure)"
        )

    def test_no_aclf_not_met(self) -> None:
        """Liver failure alone with Cr < 1.5 and no HE is no ACLF: NOT_MET."""
        patient = rj001(**{"labs.inr": 1.2})
        assert outcome(patient, "I2") is NOT_MET
        assert reason(patient, "I2") == (
            "I2 not met: no ACLF (liver failure alone; creatinine 1.1 mg/dL (< 1.5), no HE); "
            "eligible: ACLF grade 1 or 2"
        )

    def test_grade_one_met(self) -> None:
        """Liver failure alone with Cr 1.6: grade 1, MET."""
        assert outcome(rj001(**{"labs.inr": 1.2, "labs.creatinine_mg_dl": 1.6}), "I2") is MET

    def test_spec_example_open_grade_within_one_two_is_met(self) -> None:
        """§5: liver failure, Cr 1.7, INR unknown -> {1, 2} -> MET."""
        patient = rj001(**{"labs.inr": None, "labs.creatinine_mg_dl": 1.7})
        assert outcome(patient, "I2") is MET

    def test_open_grade_straddling_is_unknown(self) -> None:
        """Liver failure, Cr 1.1, INR unknown -> {0, 2}: UNKNOWN, missing labs.inr."""
        result = check_eligibility(rj001(**{"labs.inr": None}), ON)
        assert result.criteria["I2"].outcome is UNKNOWN
        assert result.criteria["I2"].missing == ("labs.inr",)
        assert result.status is EligibilityStatus.INCOMPLETE
        assert result.missing == ("labs.inr",)

    def test_no_chronic_liver_disease_not_met(self) -> None:
        """chronic_liver_disease false -> NOT_MET."""
        assert outcome(rj001(chronic_liver_disease=False), "I2") is NOT_MET

    def test_unknown_chronic_liver_disease(self) -> None:
        """Unknown disease history with grade 2 -> UNKNOWN; with grade 3 -> NOT_MET anyway."""
        patient = rj001(chronic_liver_disease=None)
        assert outcome(patient, "I2") is UNKNOWN
        assert check_eligibility(patient, ON).missing == ("chronic_liver_disease",)
        grade3 = rj001(chronic_liver_disease=None, **{"labs.vasopressors": True})
        assert outcome(grade3, "I2") is NOT_MET

    def test_eligible_grades_are_a_protocol_parameter(self) -> None:
        """A variant admitting grade 1 only: RJ-001 (grade 2) is NOT_MET."""
        variant = attrs.evolve(NCT04822922, eligible_aclf_grades=frozenset({1}))
        assert outcome(rj001(), "I2", protocol=variant) is NOT_MET


class TestConsentI3:
    """I3: signed by the patient (capacity not false) or an adult family member (§5)."""

    @pytest.mark.parametrize(
        ("consent", "expected"),
        [
            ({"signed_by": None, "has_capacity": True}, NOT_MET),  # null = not signed
            ({"signed_by": "family", "has_capacity": False}, MET),
            ({"signed_by": "patient", "has_capacity": True}, MET),
            ({"signed_by": "patient", "has_capacity": None}, MET),  # not false: counts
            ({"signed_by": "patient", "has_capacity": False}, NOT_MET),
        ],
    )
    def test_signatures(self, consent: dict[str, Any], expected: Outcome) -> None:
        """Who signed and the patient's capacity decide I3; it is never UNKNOWN."""
        patient = rj001(consent={**consent, "adult_family_available": True})
        assert outcome(patient, "I3") is expected

    def test_unsigned_reason(self) -> None:
        """The reason says the consent is not signed."""
        patient = rj001(consent={"signed_by": None})
        assert reason(patient, "I3") == (
            "I3 not met: informed consent not signed (consent.signed_by: null)"
        )

    def test_unrecorded_capacity_is_presumed(self) -> None:
        """SPEC §5 read literally: a patient signature with has_capacity null counts, so a
        later finding of incapacity turns I3 from MET to NOT_MET - the one place where a fact
        becoming known changes a decided outcome (decision D-SCR-I3-CAPACITY)."""
        presumed = rj001(consent={"signed_by": "patient", "adult_family_available": True})
        found = rj001(
            consent={
                "signed_by": "patient",
                "has_capacity": False,
                "adult_family_available": True,
            }
        )
        assert check_eligibility(presumed, ON).status is EligibilityStatus.ELIGIBLE
        assert check_eligibility(found, ON).status is EligibilityStatus.INELIGIBLE
        assert reason(presumed, "I3") == (
            "I3 met: informed consent signed by the patient (capacity not recorded)"
        )

    def test_strict_protocol_waits_for_capacity(self) -> None:
        """With presume_patient_capacity=False, an unrecorded capacity leaves I3 UNKNOWN and
        names consent.has_capacity as missing (D-I3-CAPACITY)."""
        strict = attrs.evolve(NCT04822922, presume_patient_capacity=False)
        unknown = rj001(consent={"signed_by": "patient", "adult_family_available": True})
        result = check_eligibility(unknown, ON, protocol=strict)
        assert result.status is EligibilityStatus.INCOMPLETE
        assert result.criteria["I3"].outcome is UNKNOWN
        assert result.missing == ("consent.has_capacity",)
        confirmed = rj001(consent={"signed_by": "patient", "has_capacity": True})
        assert check_eligibility(confirmed, ON, protocol=strict).status is (
            EligibilityStatus.ELIGIBLE
        )
        family = rj001(consent={"signed_by": "family", "adult_family_available": True})
        assert check_eligibility(family, ON, protocol=strict).criteria["I3"].outcome is MET

    def test_family_signature_without_family_is_contradictory(self) -> None:
        """§5: a family signature with adult_family_available false is a ProtocolError."""
        with pytest.raises(ProtocolError, match=r"signed_by"):
            rj001(consent={"signed_by": "family", "adult_family_available": False})


class TestExclusions:
    """E1-E7: PRESENT if any fact is true, ABSENT if all are known false, else UNKNOWN (§5)."""

    @pytest.mark.parametrize(
        ("path", "criteria"),
        [
            ("history.artificial_liver_planned", ("E1",)),
            ("history.prior_liver_transplant", ("E2",)),
            ("history.prior_stem_cell_therapy", ("E2",)),
            ("history.malignancy", ("E3",)),
            ("history.imaging_suspected_liver_malignancy", ("E3",)),
            ("history.tuberculosis", ("E3", "E4")),  # one fact, reported under both
            ("history.severe_autoimmune_disease", ("E4",)),
            ("history.severe_cardiopulmonary_insufficiency", ("E4",)),
            ("history.immunosuppressive_therapy", ("E4",)),
            ("history.hiv", ("E4",)),
            ("history.substance_addiction", ("E4",)),
            ("labs.renal_replacement", ("E4",)),
        ],
    )
    def test_each_fact(self, path: str, criteria: tuple[str, ...]) -> None:
        """True -> PRESENT and INELIGIBLE; None -> UNKNOWN naming the path."""
        present = check_eligibility(rj001(**{path: True}), ON)
        assert {c for c, r in present.criteria.items() if r.outcome is PRESENT} == set(criteria)
        assert {c for c, o in present.outcome_by_criterion.items() if o is PRESENT} == set(criteria)
        assert present.status is EligibilityStatus.INELIGIBLE
        unknown = check_eligibility(rj001(**{path: None}), ON)
        for criterion in criteria:
            assert unknown.criteria[criterion].outcome is UNKNOWN
            assert path in unknown.criteria[criterion].missing

    def test_renal_replacement_drives_kidney_and_e4(self) -> None:
        """§9: renal replacement is one fact: kidney failure (grade 3 here) and E4 PRESENT."""
        result = check_eligibility(rj001(**{"labs.renal_replacement": True}), ON)
        assert result.criteria["E4"].outcome is PRESENT
        assert "renal replacement therapy" in result.criteria["E4"].reason
        assert "liver, kidney, coagulation failure" in result.criteria["I2"].reason

    def test_present_reason_names_the_fact(self) -> None:
        """The PRESENT reason names what was found."""
        assert reason(rj001(**{"history.hiv": True}), "E4") == "E4 present: HIV infection"

    def test_unknown_reason_names_words_and_path(self) -> None:
        """The UNKNOWN reason names the fact and its record path."""
        assert reason(rj001(**{"history.prior_stem_cell_therapy": None}), "E2") == (
            "E2 unknown: not recorded: prior stem-cell therapy (history.prior_stem_cell_therapy)"
            "; known absent: prior liver transplantation"
        )


class TestWindows:
    """E4 drug trial (3 months) and E5 bleeding/infection (1 month), boundary day included."""

    @pytest.mark.parametrize(
        ("last", "expected"),
        [
            ("2021-07-01", PRESENT),  # exactly 3 months before 2021-10-01
            ("2021-06-30", ABSENT),
            ("2021-10-01", PRESENT),  # on the screening date
            ("2021-10-15", PRESENT),  # after the screening date counts as inside (§5)
            ("never", ABSENT),
            (None, UNKNOWN),
        ],
    )
    def test_drug_trial_window(self, last: str | None, expected: Outcome) -> None:
        """A drug trial in the past 3 months excludes (E4)."""
        assert outcome(rj001(**{"history.last_drug_trial": last}), "E4") is expected

    @pytest.mark.parametrize(
        ("path", "last", "expected"),
        [
            ("history.last_gi_bleeding", "2021-09-01", PRESENT),  # exactly 1 month before
            ("history.last_gi_bleeding", "2021-08-31", ABSENT),
            ("history.last_serious_infection", "2021-09-01", PRESENT),
            ("history.last_serious_infection", "2021-08-31", ABSENT),
            ("history.last_serious_infection", "2022-01-01", PRESENT),
            ("history.last_gi_bleeding", None, UNKNOWN),
        ],
    )
    def test_bleeding_and_infection_window(
        self, path: str, last: str | None, expected: Outcome
    ) -> None:
        """GI bleeding or serious infection in the past month excludes (E5)."""
        assert outcome(rj001(**{path: last}), "E5") is expected

    def test_month_end_window(self) -> None:
        """Screened 31 March: one month back is 28 Feb (relativedelta, §0)."""
        on = date(2021, 3, 31)
        assert outcome(rj001(**{"history.last_gi_bleeding": "2021-02-28"}), "E5", on) is PRESENT
        assert outcome(rj001(**{"history.last_gi_bleeding": "2021-02-27"}), "E5", on) is ABSENT

    def test_window_reason(self) -> None:
        """The reason gives the event date and the window."""
        patient = rj001(**{"history.last_drug_trial": "2021-08-15"})
        assert reason(patient, "E4").endswith(
            "drug trial on 2021-08-15, within 3 months before 2021-10-01 (since 2021-07-01)"
        )

    def test_lookback_is_a_protocol_parameter(self) -> None:
        """A variant with a 6-month drug-trial window excludes a trial 4 months ago."""
        patient = rj001(**{"history.last_drug_trial": "2021-06-01"})
        variant = attrs.evolve(NCT04822922, drug_trial_lookback_months=6)
        assert outcome(patient, "E4") is ABSENT
        assert outcome(patient, "E4", protocol=variant) is PRESENT


class TestPregnancyE6:
    """E6: pregnant or lactating; a male patient's unknowns are not applicable (§5)."""

    @pytest.mark.parametrize(
        ("sex", "pregnant", "lactating", "expected"),
        [
            ("male", None, None, ABSENT),
            ("male", True, None, PRESENT),  # a recorded pregnancy excludes whatever the sex
            ("female", None, None, UNKNOWN),
            ("female", False, None, UNKNOWN),
            ("female", False, False, ABSENT),
            ("female", None, True, PRESENT),
        ],
    )
    def test_pregnancy(
        self, sex: str, pregnant: bool | None, lactating: bool | None, expected: Outcome
    ) -> None:
        """Sex, pregnancy and lactation decide E6."""
        patient = rj001(sex=sex, **{"history.pregnant": pregnant, "history.lactating": lactating})
        assert outcome(patient, "E6") is expected

    def test_female_unknowns_are_missing(self) -> None:
        """A female patient with both unknown: both paths are missing."""
        result = check_eligibility(rj001(sex="female"), ON)
        assert result.missing == ("history.pregnant", "history.lactating")


class TestConsentE7:
    """E7: unable to judge independently and no direct adult family member (§5)."""

    @pytest.mark.parametrize(
        ("consent", "expected"),
        [
            ({"signed_by": None, "has_capacity": False, "adult_family_available": False}, PRESENT),
            ({"signed_by": None, "has_capacity": False, "adult_family_available": None}, UNKNOWN),
            ({"signed_by": None, "has_capacity": None, "adult_family_available": False}, UNKNOWN),
            ({"signed_by": None, "has_capacity": True, "adult_family_available": False}, ABSENT),
            ({"signed_by": None, "has_capacity": False, "adult_family_available": True}, ABSENT),
            # D-SCR-E7: a family signature shows a direct adult family member exists.
            (
                {"signed_by": "family", "has_capacity": False, "adult_family_available": None},
                ABSENT,
            ),
        ],
    )
    def test_capacity_and_family(self, consent: dict[str, Any], expected: Outcome) -> None:
        """Capacity and family availability decide E7."""
        assert outcome(rj001(consent=consent), "E7") is expected


class TestStatusAndMissing:
    """Overall status and the union of missing paths (§5)."""

    def test_incomplete_lists_every_deciding_path(self) -> None:
        """INCOMPLETE names, in protocol order, each unknown fact that could decide it."""
        patient = rj001(
            sex="female",
            **{"labs.inr": None, "history.hiv": None, "consent.has_capacity": None},
        )
        result = check_eligibility(patient, ON)
        assert result.status is EligibilityStatus.INCOMPLETE
        assert result.missing == (
            "labs.inr",
            "history.hiv",
            "history.pregnant",
            "history.lactating",
        )
        assert result.to_dict()["missing"] == list(result.missing)

    def test_ineligible_lists_nothing_missing(self) -> None:
        """Once INELIGIBLE, nothing is missing, though some criteria stay UNKNOWN."""
        result = check_eligibility(rj001(**{"labs.inr": None, "history.hiv": True}), ON)
        assert result.status is EligibilityStatus.INELIGIBLE
        assert result.criteria["I2"].outcome is UNKNOWN
        assert result.missing == ()

    def test_explain_is_a_screening_log(self) -> None:
        """explain(): status line, then one reason per criterion."""
        lines = check_eligibility(rj001(**{"labs.inr": None}), ON).explain().splitlines()
        assert lines[0] == "RJ-001 on 2021-10-01: incomplete (missing: labs.inr)"
        assert len(lines) == 11


class TestProtocolVariants:
    """Criteria are data: variants may drop criteria; unknown ids are errors (§1, §5)."""

    def test_dropped_criterion_is_not_evaluated(self) -> None:
        """Without E6 the result has nine criteria."""
        variant = attrs.evolve(
            NCT04822922,
            criteria=tuple(c for c in NCT04822922.criteria if c.criterion_id != "E6"),
        )
        result = check_eligibility(rj001(sex="female"), ON, protocol=variant)
        assert "E6" not in result.criteria
        assert result.status is EligibilityStatus.ELIGIBLE

    def test_unknown_criterion_is_an_error(self) -> None:
        """A criterion id with no evaluator -> InvalidValueError naming it."""
        extra = Criterion(criterion_id="E8", kind=CriterionKind.EXCLUSION, text="Left-handed")
        variant = attrs.evolve(NCT04822922, criteria=(*NCT04822922.criteria, extra))
        with pytest.raises(InvalidValueError, match=r"^criteria: has no evaluator.*got 'E8'"):
            check_eligibility(rj001(), ON, protocol=variant)
        with pytest.raises(InvalidValueError, match=r"^criteria: "):
            screen([rj001()], ON, protocol=variant)  # raised at the call, not at first use

    def test_bad_arguments(self) -> None:
        """A non-Patient, a datetime date or a non-Protocol is an InvalidValueError."""
        with pytest.raises(InvalidValueError, match=r"^patient: "):
            check_eligibility(SPEC_RECORD, ON)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match=r"^on: "):
            check_eligibility(rj001(), "2021-10-01")  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match=r"^protocol: "):
            check_eligibility(rj001(), ON, protocol=None)  # type: ignore[arg-type]


class TestScreening:
    """screen() is lazy; summarise_screening() counts in one pass (§5)."""

    def test_screen_is_lazy(self) -> None:
        """screen() pulls one patient per result, never ahead."""
        pulled: list[str] = []

        def feed() -> Iterator[Patient]:
            for n in range(3):
                pulled.append(f"P{n}")
                yield rj001(patient_id=f"P{n}")

        results = screen(feed(), ON)
        assert pulled == []
        first = next(results)
        assert (first.patient_id, pulled) == ("P0", ["P0"])

    def test_summary_counts(self) -> None:
        """Counts per status and per failed criterion, from a one-pass iterator."""
        cohort = [
            rj001(),  # eligible
            rj001(patient_id="B", consent={"signed_by": None}, **{"history.hiv": True}),
            rj001(patient_id="C", **{"labs.inr": None}),  # incomplete
            rj001(patient_id="D", birth_date="1940-01-01"),  # I1 not met
        ]
        summary = summarise_screening(screen(iter(cohort), ON))
        assert (summary.screened, summary.eligible, summary.ineligible, summary.incomplete) == (
            4,
            1,
            2,
            1,
        )
        assert summary.failed_by_criterion["I3"] == 1
        assert summary.failed_by_criterion["E4"] == 1
        assert summary.failed_by_criterion["I1"] == 1
        assert (summary.not_meeting_inclusion, summary.meeting_exclusion) == (2, 1)
        assert dict(summary.unknown)["I2"] == 1
        assert summary.missing_facts == (("labs.inr", 1),)
        assert summary.by_status[EligibilityStatus.INCOMPLETE] == 1
        assert json.loads(json.dumps(summary.to_dict())) == summary.to_dict()

    def test_summary_of_nothing(self) -> None:
        """No patients: all counts zero."""
        assert summarise_screening([]).screened == 0

    def test_summary_rejects_other_values(self) -> None:
        """Only EligibilityResults can be summarised."""
        with pytest.raises(InvalidValueError, match=r"^results\[0\]: "):
            summarise_screening(["eligible"])  # type: ignore[list-item]


def _decided(result: EligibilityResult) -> bool:
    return result.status is not EligibilityStatus.INCOMPLETE


def _value_at(patient: Patient, path: str) -> Any:
    group, _, key = path.rpartition(".")
    return getattr(getattr(patient, group) if group else patient, key)


class TestEligibilityLaws:
    """§5 laws over generated patients, partial and near-eligible."""

    @given(data=st.data(), on=screening_dates, use_near=st.booleans())
    @example(data=None, on=ON, use_near=False)
    def test_decided_status_never_changes(self, data: Any, on: date, use_near: bool) -> None:
        """ELIGIBLE or INELIGIBLE stays so whatever unknown facts become known (§5)."""
        if data is None:  # the @example: RJ-001 with INR unknown but a known HIV infection
            partial = rj001(**{"labs.inr": None, "history.hiv": True})
            full = with_facts(partial, {"labs.inr": Decimal("1.2")})
        else:
            strategy = screening_patients(on=on) if use_near else partial_patients()
            partial = data.draw(strategy)
            assume(partial.birth_date <= on)
            full = data.draw(completions(partial))
        before = check_eligibility(partial, on)
        after = check_eligibility(full, on)
        if _decided(before):
            assert after.status is before.status
        for criterion, result in before.criteria.items():
            if result.outcome is not UNKNOWN:
                assert after.criteria[criterion].outcome is result.outcome

    @given(data=st.data(), on=screening_dates, capacity=st.booleans())
    def test_strict_capacity_makes_the_status_stable(
        self, data: Any, on: date, capacity: bool
    ) -> None:
        """Under presume_patient_capacity=False a decided status survives learning the
        capacity too, the one fact SPEC's default presumes (§5, D-I3-CAPACITY)."""
        strict = attrs.evolve(NCT04822922, presume_patient_capacity=False)
        partial = data.draw(partial_patients())
        assume(partial.birth_date <= on)
        full = data.draw(completions(partial))
        if full.consent.has_capacity is None or partial.consent.has_capacity is None:
            full = with_facts(full, {"consent.has_capacity": capacity})
        before = check_eligibility(partial, on, protocol=strict)
        if _decided(before):
            assert check_eligibility(full, on, protocol=strict).status is before.status

    @given(data=st.data(), on=screening_dates)
    def test_filling_the_missing_facts_decides(self, data: Any, on: date) -> None:
        """An INCOMPLETE result's missing paths are unknown facts, and knowing them all
        decides the status (§5)."""
        patient = data.draw(screening_patients(on=on))
        result = check_eligibility(patient, on)
        if result.status is EligibilityStatus.INCOMPLETE:
            assert result.missing
            assert all(_value_at(patient, p) is None for p in result.missing)
            assert set(result.missing) <= set(unknown_paths(patient))
            filled = data.draw(fillings(patient, result.missing))
            assert _decided(check_eligibility(filled, on))
        else:
            assert result.missing == ()

    @given(patient=partial_patients(), on=screening_dates)
    def test_status_follows_the_outcomes(self, patient: Patient, on: date) -> None:
        """Any NOT_MET or PRESENT -> INELIGIBLE; all MET/ABSENT -> ELIGIBLE; else INCOMPLETE."""
        assume(patient.birth_date <= on)
        result = check_eligibility(patient, on)
        outcomes = {r.outcome for r in result.results}
        if outcomes & {NOT_MET, PRESENT}:
            assert result.status is EligibilityStatus.INELIGIBLE
        elif outcomes <= {MET, ABSENT}:
            assert result.status is EligibilityStatus.ELIGIBLE
        else:
            assert result.status is EligibilityStatus.INCOMPLETE
        for r in result.results:
            allowed = {MET, NOT_MET} if r.kind is CriterionKind.INCLUSION else {PRESENT, ABSENT}
            assert r.outcome in allowed | {UNKNOWN}
            assert r.reason.startswith(f"{r.criterion_id} ")
            assert (r.outcome is UNKNOWN) == bool(r.missing)

    @given(data=st.data(), on=screening_dates, use_near=st.booleans())
    def test_fast_decisions_agree_with_explanations(
        self, data: Any, on: date, use_near: bool
    ) -> None:
        """The outcomes decided when screening equal those the reasons explain."""
        patient = data.draw(screening_patients(on=on) if use_near else partial_patients())
        assume(patient.birth_date <= on)
        result = check_eligibility(patient, on)
        assert tuple(r.outcome for r in result.results) == result.outcomes
        assert dict(result.outcome_by_criterion) == {
            r.criterion_id: r.outcome for r in result.results
        }

    @given(data=st.data(), on=screening_dates)
    def test_eligible_means_grade_one_or_two_and_age_in_range(self, data: Any, on: date) -> None:
        """ELIGIBLE -> ACLF grade 1-2, age 18-70, chronic liver disease, consent signed."""
        patient = data.draw(screening_patients(on=on, complete=data.draw(st.booleans())))
        if check_eligibility(patient, on).status is EligibilityStatus.ELIGIBLE:
            grade = aclf_grade(patient.labs)
            assert grade in {1, 2} or grade is None  # None: every possible grade is 1 or 2
            assert 18 <= age_years(patient.birth_date, on) <= 70
            assert patient.chronic_liver_disease is True
            assert patient.consent.signed_by is not None

    @given(patient=partial_patients(), on=screening_dates)
    def test_male_with_unknown_pregnancy_is_absent(self, patient: Patient, on: date) -> None:
        """A male patient with no recorded pregnancy or lactation: E6 ABSENT (§5)."""
        assume(patient.birth_date <= on)
        male = with_facts(patient, {"sex": Sex.MALE})
        recorded = True in (male.history.pregnant, male.history.lactating)
        assert outcome(male, "E6", on) is (PRESENT if recorded else ABSENT)

    @given(patient=partial_patients(), on=study_dates)
    def test_age_criterion_uses_completed_years(self, patient: Patient, on: date) -> None:
        """I1 agrees with age_years (relativedelta's rule, §0) for every birth date."""
        assume(patient.birth_date <= on)
        age = age_years(patient.birth_date, on)
        assert (outcome(patient, "I1", on) is MET) == (18 <= age <= 70)

    @given(data=st.data(), on=screening_dates)
    def test_si_and_conventional_records_agree(self, data: Any, on: date) -> None:
        """§7.1: the record with SI lab keys screens exactly like the conventional one."""
        patient = data.draw(screening_patients(on=on))
        record = patient.to_dict()
        labs = record["labs"]
        for si, key, factor in (
            ("bilirubin_umol_l", "bilirubin_mg_dl", "17.1"),
            ("creatinine_umol_l", "creatinine_mg_dl", "88.4"),
            ("albumin_g_l", "albumin_g_dl", "10"),
        ):
            value = getattr(patient.labs, key)
            del labs[key]
            labs[si] = None if value is None else str(value * Decimal(factor))
        si_patient = Patient.from_dict(record)
        assert check_eligibility(si_patient, on).to_dict() == (
            check_eligibility(patient, on).to_dict()
        )

    @given(data=st.data(), on=screening_dates)
    def test_key_order_does_not_matter(self, data: Any, on: date) -> None:
        """Shuffling the keys of the record (at every level) gives the same result (§5)."""
        patient = data.draw(screening_patients(on=on))
        shuffled = Patient.from_dict(data.draw(shuffled_records(patient.to_dict())))
        assert check_eligibility(shuffled, on).to_dict() == (
            check_eligibility(patient, on).to_dict()
        )

    @given(data=st.data(), on=screening_dates)
    def test_deterministic(self, data: Any, on: date) -> None:
        """The same inputs give equal results, equal reasons, and screen() agrees."""
        patient = data.draw(screening_patients(on=on))
        first, second = check_eligibility(patient, on), check_eligibility(patient, on)
        assert first == second
        assert first.to_dict() == second.to_dict()
        assert next(screen([patient], on)) == first

    @given(patient=partial_patients())
    @example(patient=rj001(**{"history.last_gi_bleeding": "2021-09-15"}))
    def test_any_exclusion_present_means_ineligible(self, patient: Patient) -> None:
        """Any exclusion PRESENT -> INELIGIBLE, whatever else is unknown."""
        on = max(patient.birth_date, ON)
        result = check_eligibility(patient, on)
        if any(r.outcome is PRESENT for r in result.results):
            assert result.status is EligibilityStatus.INELIGIBLE
            assert result.missing == ()
