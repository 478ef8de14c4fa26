"""Eligibility behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §5 that a surviving mutant of ``aclf_protocol/eligibility.py``
broke without any other test noticing: the exact sentence a screening coordinator reads for
every criterion and outcome, the record paths still missing, the JSON records of a result and
of a screening summary, the inclusive ends of the look-back windows and the counting of a
screening log. Dates are worked by hand from the screening date 2021-10-01.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    NCT04822922,
    Criterion,
    CriterionKind,
    EligibilityStatus,
    InvalidValueError,
    Outcome,
    Patient,
    check_eligibility,
    screen,
    summarise_screening,
)
from tests.fixtures import SPEC_RECORD

ON = date(2021, 10, 1)
STRICT = attrs.evolve(NCT04822922, presume_patient_capacity=False)


def rj001(**changes: Any) -> Patient:
    """RJ-001 with record paths changed: ``rj001(**{"labs.inr": None})``."""
    record = copy.deepcopy(SPEC_RECORD)
    for path, value in changes.items():
        group, _, key = path.rpartition(".")
        (record[group] if group else record)[key] = value
    return Patient.from_dict(record)


def reason(patient: Patient, criterion: str, **kwargs: Any) -> tuple[str, tuple[str, ...]]:
    """One criterion's reason and missing paths on 2021-10-01."""
    result = check_eligibility(patient, ON, **kwargs).criteria[criterion]
    return result.reason, result.missing


class TestRecords:
    """§5, §9: the screening result as a coordinator and an EDC read it."""

    def test_rj001_record(self) -> None:
        """SPEC §9's RJ-001: every criterion's kind, outcome, sentence and record words."""
        record = check_eligibility(rj001(), ON).to_dict()
        texts = {c.criterion_id: c.text for c in NCT04822922.criteria}
        expected = {
            "I1": ("inclusion", "met", "I1 met: age 53 on 2021-10-01 is within 18-70"),
            "I2": (
                "inclusion",
                "met",
                (
                    "I2 met: chronic liver disease with ACLF grade 2 (liver, coagulation failure); "
                    "eligible: ACLF grade 1 or 2"
                ),
            ),
            "I3": (
                "inclusion",
                "met",
                "I3 met: informed consent signed by the patient (capacity confirmed)",
            ),
            "E1": ("exclusion", "absent", "E1 absent: no artificial liver support planned"),
            "E2": (
                "exclusion",
                "absent",
                "E2 absent: no prior liver transplantation, no prior stem-cell therapy",
            ),
            "E3": (
                "exclusion",
                "absent",
                (
                    "E3 absent: no malignant tumour, no imaging suggesting a malignant liver mass, "
                    "no tuberculosis"
                ),
            ),
            "E4": (
                "exclusion",
                "absent",
                (
                    "E4 absent: no severe autoimmune disease, no severe cardiopulmonary "
                    "insufficiency, no renal replacement therapy, no immunosuppressive therapy, "
                    "no HIV infection, no tuberculosis, no alcohol or drug addiction; no drug "
                    "trial ever"
                ),
            ),
            "E5": (
                "exclusion",
                "absent",
                (
                    "E5 absent: no GI bleeding since 2021-09-01 (last on 2021-03-02); no serious "
                    "infection ever"
                ),
            ),
            "E6": (
                "exclusion",
                "absent",
                "E6 absent: male patient: pregnancy and lactation do not apply",
            ),
            "E7": (
                "exclusion",
                "absent",
                "E7 absent: able to make independent judgements (consent.has_capacity: true)",
            ),
        }
        assert record == {
            "patient_id": "RJ-001",
            "on": "2021-10-01",
            "protocol": "NCT04822922",
            "status": "eligible",
            "criteria": {
                cid: {
                    "kind": kind,
                    "outcome": outcome,
                    "reason": text,
                    "missing": [],
                    "text": texts[cid],
                }
                for cid, (kind, outcome, text) in expected.items()
            },
            "missing": [],
        }

    def test_incomplete_log_and_record(self) -> None:
        """§5: an INCOMPLETE screening lists every unknown that could decide it, in order."""
        patient = rj001(
            sex="female",
            consent={"signed_by": "patient", "has_capacity": None, "adult_family_available": None},
            **{
                "labs.inr": None,
                "history.hiv": None,
                "history.last_drug_trial": None,
                "history.pregnant": None,
                "history.lactating": False,
            },
        )
        result = check_eligibility(patient, ON)
        missing = [
            "labs.inr",
            "history.hiv",
            "history.last_drug_trial",
            "history.pregnant",
            "consent.has_capacity",
            "consent.adult_family_available",
        ]
        # INR unknown with liver failure alone, Cr 1.1, no HE: no ACLF (INR < 2.5) or grade 2.
        assert result.explain() == "\n".join(
            [
                "RJ-001 on 2021-10-01: incomplete (missing: " + ", ".join(missing) + ")",
                "I1 met: age 53 on 2021-10-01 is within 18-70",
                (
                    "I2 unknown: chronic liver disease; no ACLF or ACLF grade 2 still possible "
                    "(known: liver failure; not yet known: labs.inr); eligible: ACLF grade 1 or 2"
                ),
                "I3 met: informed consent signed by the patient (capacity not recorded)",
                "E1 absent: no artificial liver support planned",
                "E2 absent: no prior liver transplantation, no prior stem-cell therapy",
                (
                    "E3 absent: no malignant tumour, no imaging suggesting a malignant liver mass, "
                    "no tuberculosis"
                ),
                (
                    "E4 unknown: not recorded: HIV infection (history.hiv); known absent: severe "
                    "autoimmune disease, severe cardiopulmonary insufficiency, renal replacement "
                    "therapy, immunosuppressive therapy, tuberculosis, alcohol or drug addiction; "
                    "date of last drug trial not recorded (history.last_drug_trial)"
                ),
                (
                    "E5 absent: no GI bleeding since 2021-09-01 (last on 2021-03-02); no serious "
                    "infection ever"
                ),
                "E6 unknown: not recorded: pregnant (history.pregnant); known absent: lactating",
                "E7 unknown: not recorded: consent.has_capacity, consent.adult_family_available",
            ]
        )
        record = result.to_dict()
        assert (record["status"], record["missing"]) == ("incomplete", missing)
        assert record["criteria"]["E4"]["missing"] == ["history.hiv", "history.last_drug_trial"]
        assert record["criteria"]["E4"]["outcome"] == "unknown"
        assert result.missing == tuple(missing)

    def test_ineligible_log_has_no_missing(self) -> None:
        """§5: every exclusion present at once: each sentence names what was recorded."""
        patient = rj001(
            sex="female",
            consent={"signed_by": None, "has_capacity": False, "adult_family_available": False},
            **{
                "history.hiv": True,
                "history.tuberculosis": True,
                "history.last_drug_trial": "2021-07-01",
                "history.last_gi_bleeding": "2021-09-01",
                "history.last_serious_infection": "2021-10-05",
                "history.pregnant": True,
                "history.lactating": True,
                "history.prior_liver_transplant": True,
                "history.artificial_liver_planned": True,
                "history.malignancy": True,
                "labs.inr": None,
            },
        )
        result = check_eligibility(patient, ON)
        # 2021-10-01 - 3 months = 2021-07-01 and - 1 month = 2021-09-01: both ends inside.
        assert result.explain().splitlines()[3:] == [
            "I3 not met: informed consent not signed (consent.signed_by: null)",
            "E1 present: artificial liver support planned",
            "E2 present: prior liver transplantation",
            "E3 present: malignant tumour, tuberculosis",
            (
                "E4 present: HIV infection, tuberculosis; drug trial on 2021-07-01, within 3 "
                "months before 2021-10-01 (since 2021-07-01)"
            ),
            (
                "E5 present: GI bleeding on 2021-09-01, within 1 month before 2021-10-01 (since "
                "2021-09-01); serious infection on 2021-10-05, after the screening date: counts "
                "as recent"
            ),
            "E6 present: pregnant and lactating (recorded)",
            (
                "E7 present: cannot make independent judgements (consent.has_capacity: false) and "
                "no direct adult family member (consent.adult_family_available: false)"
            ),
        ]
        assert result.explain().splitlines()[0] == "RJ-001 on 2021-10-01: ineligible"
        assert result.to_dict()["missing"] == []
        assert result.missing == ()


class TestInclusionSentences:
    """§5 I2, I3: what the coordinator reads for each way an inclusion is decided."""

    def test_no_chronic_liver_disease(self) -> None:
        """I2: chronic_liver_disease false is NOT_MET, the field named."""
        assert reason(rj001(chronic_liver_disease=False), "I2") == (
            "I2 not met: no history of chronic liver disease (chronic_liver_disease: false)",
            (),
        )

    def test_chronic_liver_disease_unknown(self) -> None:
        """I2: grade 2 known, liver disease unrecorded: UNKNOWN, only that path missing."""
        assert reason(rj001(chronic_liver_disease=None), "I2") == (
            (
                "I2 unknown: chronic liver disease not recorded; ACLF grade 2 (liver, coagulation "
                "failure); eligible: ACLF grade 1 or 2"
            ),
            ("chronic_liver_disease",),
        )

    def test_disease_and_grade_both_open(self) -> None:
        """I2: liver disease and INR unknown: both paths, disease first."""
        patient = rj001(chronic_liver_disease=None, **{"labs.inr": None})
        assert reason(patient, "I2") == (
            (
                "I2 unknown: chronic liver disease not recorded; no ACLF or ACLF grade 2 still "
                "possible (known: liver failure; not yet known: labs.inr); eligible: ACLF grade 1 "
                "or 2"
            ),
            ("chronic_liver_disease", "labs.inr"),
        )

    @pytest.mark.parametrize(
        ("changes", "text"),
        [
            (
                {"labs.inr": 1.0},
                "no ACLF (liver failure alone; creatinine 1.1 mg/dL (< 1.5), no HE)",
            ),
            (
                {"labs.vasopressors": True},
                "ACLF grade 3 (liver, coagulation, circulation failure)",
            ),
        ],
    )
    def test_grade_outside_one_or_two(self, changes: dict[str, Any], text: str) -> None:
        """I2: no ACLF or grade 3 is NOT_MET, the grade's basis and the eligible grades named."""
        assert reason(rj001(**changes), "I2") == (
            f"I2 not met: {text}; eligible: ACLF grade 1 or 2",
            (),
        )

    @pytest.mark.parametrize(
        ("consent", "text"),
        [
            (
                {"signed_by": "family", "has_capacity": False, "adult_family_available": True},
                "I3 met: informed consent signed by an adult family member",
            ),
            (
                {"signed_by": "patient", "has_capacity": False, "adult_family_available": True},
                (
                    "I3 not met: signed by the patient, who cannot make independent judgements "
                    "(consent.has_capacity: false), so the signature does not count"
                ),
            ),
            (
                {"signed_by": "patient", "has_capacity": None, "adult_family_available": True},
                "I3 met: informed consent signed by the patient (capacity not recorded)",
            ),
        ],
    )
    def test_consent(self, consent: dict[str, Any], text: str) -> None:
        """I3: who signed and whether capacity is recorded, in the reason."""
        assert reason(rj001(consent=consent), "I3") == (text, ())

    def test_strict_protocol_names_the_capacity_path(self) -> None:
        """I3, D-I3 strict variant: an unrecorded capacity is UNKNOWN and named."""
        patient = rj001(
            consent={"signed_by": "patient", "has_capacity": None, "adult_family_available": True}
        )
        assert reason(patient, "I3", protocol=STRICT) == (
            (
                "I3 unknown: signed by the patient, but capacity is not recorded "
                "(consent.has_capacity: null) and this protocol does not presume it"
            ),
            ("consent.has_capacity",),
        )


class TestExclusionSentences:
    """§5 E1-E7: UNKNOWN names each unrecorded fact with its path; windows say their dates."""

    def test_single_fact_unknown(self) -> None:
        """E1: artificial liver support unrecorded is UNKNOWN, the path named."""
        assert reason(rj001(**{"history.artificial_liver_planned": None}), "E1") == (
            (
                "E1 unknown: not recorded: artificial liver support planned "
                "(history.artificial_liver_planned)"
            ),
            ("history.artificial_liver_planned",),
        )

    def test_two_facts_unknown(self) -> None:
        """E2: both facts unrecorded, both named in order, nothing known absent."""
        patient = rj001(
            **{"history.prior_stem_cell_therapy": None, "history.prior_liver_transplant": None}
        )
        assert reason(patient, "E2") == (
            (
                "E2 unknown: not recorded: prior liver transplantation "
                "(history.prior_liver_transplant), prior stem-cell therapy "
                "(history.prior_stem_cell_therapy)"
            ),
            ("history.prior_liver_transplant", "history.prior_stem_cell_therapy"),
        )

    def test_drug_trial_a_day_outside_the_window(self) -> None:
        """E4: a drug trial on 2021-06-30, a day before the 3-month window, is not recent."""
        patient = rj001(**{"history.last_drug_trial": "2021-06-30", "history.hiv": None})
        assert reason(patient, "E4") == (
            (
                "E4 unknown: not recorded: HIV infection (history.hiv); known absent: severe "
                "autoimmune disease, severe cardiopulmonary insufficiency, renal replacement "
                "therapy, immunosuppressive therapy, tuberculosis, alcohol or drug addiction; no "
                "drug trial since 2021-07-01 (last on 2021-06-30)"
            ),
            ("history.hiv",),
        )

    def test_bleeding_date_unknown(self) -> None:
        """E5: an unrecorded bleeding date is UNKNOWN; 2021-08-31 infection is outside."""
        patient = rj001(
            **{"history.last_gi_bleeding": None, "history.last_serious_infection": "2021-08-31"}
        )
        assert reason(patient, "E5") == (
            (
                "E5 unknown: date of last GI bleeding not recorded (history.last_gi_bleeding); no "
                "serious infection since 2021-09-01 (last on 2021-08-31)"
            ),
            ("history.last_gi_bleeding",),
        )

    def test_windows_of_a_variant_say_their_months(self) -> None:
        """§1 variant: 2-month and 1-month look-backs in words ("2 months", "1 month")."""
        variant = attrs.evolve(
            NCT04822922, bleeding_infection_lookback_months=2, drug_trial_lookback_months=1
        )
        patient = rj001(
            **{"history.last_gi_bleeding": "2021-08-01", "history.last_drug_trial": "2021-09-01"}
        )
        assert reason(patient, "E5", protocol=variant)[0] == (
            "E5 present: GI bleeding on 2021-08-01, within 2 months before 2021-10-01 "
            "(since 2021-08-01)"
        )
        assert reason(patient, "E4", protocol=variant)[0] == (
            "E4 present: drug trial on 2021-09-01, within 1 month before 2021-10-01 "
            "(since 2021-09-01)"
        )

    @pytest.mark.parametrize(
        ("pregnant", "lactating", "text", "missing"),
        [
            (False, False, "E6 absent: not pregnant, not lactating", ()),
            (
                None,
                None,
                (
                    "E6 unknown: not recorded: pregnant (history.pregnant), lactating "
                    "(history.lactating)"
                ),
                ("history.pregnant", "history.lactating"),
            ),
            (False, True, "E6 present: lactating (recorded)", ()),
            (True, None, "E6 present: pregnant (recorded)", ()),
        ],
    )
    def test_pregnancy_female(
        self, pregnant: bool | None, lactating: bool | None, text: str, missing: tuple[str, ...]
    ) -> None:
        """E6 for a female patient: recorded facts named, unknown ones with their paths."""
        patient = rj001(
            sex="female", **{"history.pregnant": pregnant, "history.lactating": lactating}
        )
        assert reason(patient, "E6") == (text, missing)

    def test_lactation_recorded_for_a_male_patient(self) -> None:
        """E6: a recorded lactation excludes whatever the sex (§5)."""
        assert reason(rj001(**{"history.lactating": True}), "E6") == (
            "E6 present: lactating (recorded)",
            (),
        )

    @pytest.mark.parametrize(
        ("consent", "text", "missing"),
        [
            (
                {"signed_by": "patient", "has_capacity": False, "adult_family_available": True},
                "E7 absent: a direct adult family member is available to sign",
                (),
            ),
            (
                {"signed_by": "family", "has_capacity": None, "adult_family_available": None},
                "E7 absent: a direct adult family member signed the consent",
                (),
            ),
            (
                {"signed_by": None, "has_capacity": False, "adult_family_available": None},
                "E7 unknown: not recorded: consent.adult_family_available",
                ("consent.adult_family_available",),
            ),
        ],
    )
    def test_no_one_to_consent(
        self, consent: dict[str, Any], text: str, missing: tuple[str, ...]
    ) -> None:
        """E7: capacity, an available or signing family member, or the unrecorded facts."""
        assert reason(rj001(consent=consent), "E7") == (text, missing)


class TestAgeSentences:
    """§5 I1: the age, the screening date and the limits, inside or outside."""

    @pytest.mark.parametrize(
        ("birth", "text"),
        [
            ("1950-10-01", "I1 not met: age 71 on 2021-10-01 is outside 18-70"),
            ("2003-10-02", "I1 not met: age 17 on 2021-10-01 is outside 18-70"),
            ("1950-10-02", "I1 met: age 70 on 2021-10-01 is within 18-70"),
        ],
    )
    def test_age_reason(self, birth: str, text: str) -> None:
        """I1: 71 on the birthday is outside; 17 the day before turning 18; 70 the day before 71."""
        assert reason(rj001(birth_date=birth), "I1") == (text, ())


class TestScreeningLog:
    """§5, issue #3: a screening log counts every patient under every failed criterion."""

    def test_summary_record(self) -> None:
        """Seven patients worked by hand: counts, failures per criterion, facts to chase."""
        cohort = [
            rj001(),  # eligible
            rj001(patient_id="B", consent={"signed_by": None}, **{"history.hiv": True}),
            rj001(patient_id="C", **{"labs.inr": None}),  # I2 unknown
            rj001(patient_id="G", **{"history.last_gi_bleeding": None}),  # E5 unknown
            rj001(patient_id="D", chronic_liver_disease=None, **{"labs.inr": None}),
            rj001(patient_id="E", birth_date="1940-01-01", consent={"signed_by": None}),
            rj001(patient_id="F", **{"history.hiv": True}),
        ]
        summary = summarise_screening(screen(cohort, ON))
        # B: I3 not met + E4 present; E: I1 and I3 not met (one patient); F: E4 present.
        # B's and E's consent records hold only signed_by, so capacity and family are unknown:
        # E7 UNKNOWN for both (ineligible anyway, so their facts are not "missing").
        # Missing: labs.inr twice (C, D), then one each, alphabetical (not first-seen) order.
        assert summary.to_dict() == {
            "screened": 7,
            "eligible": 1,
            "ineligible": 3,
            "incomplete": 3,
            "not_meeting_inclusion": 2,
            "meeting_exclusion": 2,
            "failed": {
                "I1": 1,
                "I2": 0,
                "I3": 2,
                "E1": 0,
                "E2": 0,
                "E3": 0,
                "E4": 2,
                "E5": 0,
                "E6": 0,
                "E7": 0,
            },
            "unknown": {
                "I1": 0,
                "I2": 2,
                "I3": 0,
                "E1": 0,
                "E2": 0,
                "E3": 0,
                "E4": 0,
                "E5": 1,
                "E6": 0,
                "E7": 2,
            },
            "missing_facts": {
                "labs.inr": 2,
                "chronic_liver_disease": 1,
                "history.last_gi_bleeding": 1,
            },
        }
        assert summary.missing_facts == (
            ("labs.inr", 2),
            ("chronic_liver_disease", 1),
            ("history.last_gi_bleeding", 1),
        )
        assert dict(summary.by_status) == {
            EligibilityStatus.ELIGIBLE: 1,
            EligibilityStatus.INELIGIBLE: 3,
            EligibilityStatus.INCOMPLETE: 3,
        }

    def test_summary_refuses_a_string(self) -> None:
        """§5: a result that is not an EligibilityResult is named by index, value and rule."""
        with pytest.raises(InvalidValueError) as caught:
            summarise_screening(["eligible"])  # type: ignore[list-item]
        assert str(caught.value) == (
            "results[0]: must be an EligibilityResult (§5); got 'eligible'"
        )
        assert caught.value.value == "eligible"

    def test_summary_refuses_a_number(self) -> None:
        """§9: summarise_screening takes a list of results, not a number, and says so."""
        with pytest.raises(InvalidValueError) as caught:
            summarise_screening(5)  # type: ignore[arg-type]
        assert str(caught.value) == "results: must be a list of records (§9); got 5"

    def test_outcomes_by_criterion(self) -> None:
        """§5: the fast outcomes of an incomplete patient, in protocol order."""
        result = check_eligibility(rj001(**{"labs.inr": None}), ON)
        assert dict(result.outcome_by_criterion) == {
            "I1": Outcome.MET,
            "I2": Outcome.UNKNOWN,
            "I3": Outcome.MET,
            "E1": Outcome.ABSENT,
            "E2": Outcome.ABSENT,
            "E3": Outcome.ABSENT,
            "E4": Outcome.ABSENT,
            "E5": Outcome.ABSENT,
            "E6": Outcome.ABSENT,
            "E7": Outcome.ABSENT,
        }


class TestWindowEnds:
    """§5: windows are measured back from the screening date, both ends inside."""

    def test_event_on_the_screening_date_is_within_the_window(self) -> None:
        """E5: a bleed on the screening date itself is within the month, not "after" it."""
        patient = rj001(**{"history.last_gi_bleeding": "2021-10-01"})
        assert reason(patient, "E5") == (
            (
                "E5 present: GI bleeding on 2021-10-01, within 1 month before 2021-10-01 "
                "(since 2021-09-01)"
            ),
            (),
        )

    def test_infection_within_the_month(self) -> None:
        """E5: a serious infection on 2021-09-15 is within the month, and the sentence says so."""
        patient = rj001(**{"history.last_serious_infection": "2021-09-15"})
        assert reason(patient, "E5") == (
            (
                "E5 present: serious infection on 2021-09-15, within 1 month before 2021-10-01 "
                "(since 2021-09-01)"
            ),
            (),
        )

    def test_infection_date_unknown(self) -> None:
        """E5: an unrecorded infection date is UNKNOWN and names its own path."""
        patient = rj001(**{"history.last_serious_infection": None})
        assert reason(patient, "E5") == (
            (
                "E5 unknown: no GI bleeding since 2021-09-01 (last on 2021-03-02); date of last "
                "serious infection not recorded (history.last_serious_infection)"
            ),
            ("history.last_serious_infection",),
        )


class TestArgumentErrors:
    """§0, §1, §5: refused arguments are named with their value and rule, word for word."""

    def test_not_a_patient(self) -> None:
        """A patient id instead of a Patient names 'patient' and the value."""
        with pytest.raises(InvalidValueError) as caught:
            check_eligibility("RJ-001", ON)  # type: ignore[arg-type]
        assert str(caught.value) == "patient: must be a Patient (§9); got 'RJ-001'"
        assert caught.value.value == "RJ-001"

    def test_not_a_protocol(self) -> None:
        """A trial id instead of a Protocol names 'protocol' and the value."""
        with pytest.raises(InvalidValueError) as caught:
            check_eligibility(rj001(), ON, protocol="NCT04822922")  # type: ignore[arg-type]
        assert str(caught.value) == "protocol: must be a Protocol (§1); got 'NCT04822922'"
        assert caught.value.value == "NCT04822922"

    def test_criterion_without_evaluator_lists_the_known_ones(self) -> None:
        """§5: an unknown criterion id is refused, listing the ten ids that have evaluators."""
        extra = Criterion(criterion_id="E8", kind=CriterionKind.EXCLUSION, text="Left-handed")
        variant = attrs.evolve(NCT04822922, criteria=(*NCT04822922.criteria, extra))
        with pytest.raises(InvalidValueError) as caught:
            check_eligibility(rj001(), ON, protocol=variant)
        assert str(caught.value) == (
            "criteria: has no evaluator; known criteria are I1, I2, I3, E1, E2, E3, E4, E5, E6, "
            "E7 (§5); got 'E8'"
        )
