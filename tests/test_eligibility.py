"""Eligibility screening: I1-I3, E1-E7 in three-valued logic, and its laws (SPEC §5, §10).

Tests assert structure (outcome, missing paths, status, counts); the sentences a screening
coordinator reads are the product, so they live in golden files under
``tests/golden/eligibility/`` (``UPDATE_GOLDEN=1`` rewrites them after a reviewed change).
Dates are worked by hand from the screening date 2021-10-01.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import assume, example, given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    EligibilityResult,
    EligibilityStatus,
    InconsistentRecordError,
    InvalidValueError,
    Outcome,
    Patient,
    ProtocolError,
    Sex,
    aclf_grade,
    check_eligibility,
    eligibility,
)
from aclf_protocol.eligibility import EVALUATORS, _months_before, screen, summarise_screening
from aclf_protocol.patient import Never, Signer, age_years
from aclf_protocol.protocol import Criterion, CriterionKind
from tests.fixtures import ON, SPEC_RECORD, assert_golden, d, golden_json, refusal
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

NEVER = Never.NEVER
MET, NOT_MET, PRESENT, ABSENT, UNKNOWN = (
    Outcome.MET,
    Outcome.NOT_MET,
    Outcome.PRESENT,
    Outcome.ABSENT,
    Outcome.UNKNOWN,
)
#: A site whose practice presumes capacity (§5 I3 v2, D-I3-CAPACITY): a patient's own
#: signature then counts while has_capacity is unknown. SPEC's default does not presume it.
PRESUMING = attrs.evolve(NCT04822922, presume_patient_capacity=True)
#: Each outcome as the reasons say it ("I2 not met: ...").
OUTCOME_WORDS = {
    MET: "met",
    NOT_MET: "not met",
    PRESENT: "present",
    ABSENT: "absent",
    UNKNOWN: "unknown",
}


def rj001(**changes: Any) -> Patient:
    """RJ-001 with record paths changed: ``rj001(**{"labs.inr": None})``."""
    record = copy.deepcopy(SPEC_RECORD)
    for path, value in changes.items():
        group, _, key = path.rpartition(".")
        (record[group] if group else record)[key] = value
    return Patient.from_dict(record)


def incomplete_rj001() -> Patient:
    """RJ-001 as a woman with capacity, INR, HIV, a drug trial and pregnancy unknown (§5)."""
    return rj001(
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


def outcome(patient: Patient, criterion: str, on: date = ON, **kwargs: Any) -> Outcome:
    """One criterion's outcome, checked to be the same in every view of the result."""
    result = check_eligibility(patient, on, **kwargs)
    written = result.criteria[criterion].outcome
    assert result.outcome_by_criterion[criterion] is written
    return written


def missing(patient: Patient, criterion: str, **kwargs: Any) -> tuple[str, ...]:
    """One criterion's missing paths on 2021-10-01."""
    return check_eligibility(patient, ON, **kwargs).criteria[criterion].missing


# --- the reasons, one golden line per case -------------------------------------------------
#: (case, criterion, record changes, protocol changes, screening date): every way each
#: criterion is decided, and the wording of each.
REASON_CASES: tuple[tuple[str, str, dict[str, Any], dict[str, Any], date], ...] = (
    ("RJ-001", "I1", {}, {}, ON),
    ("71 on the birthday", "I1", {"birth_date": "1950-10-01"}, {}, ON),
    ("17 the day before turning 18", "I1", {"birth_date": "2003-10-02"}, {}, ON),
    ("70 the day before turning 71", "I1", {"birth_date": "1950-10-02"}, {}, ON),
    ("71 under a 75 limit", "I1", {"birth_date": "1950-01-01"}, {"max_age_years": 75}, ON),
    ("RJ-001", "I2", {}, {}, ON),
    ("grade 3 by creatinine", "I2", {"labs.creatinine_mg_dl": 2.4}, {}, ON),
    ("grade 3 by vasopressors", "I2", {"labs.vasopressors": True}, {}, ON),
    ("grade 3 by renal replacement", "I2", {"labs.renal_replacement": True}, {}, ON),
    ("no ACLF, INR 1.2", "I2", {"labs.inr": 1.2}, {}, ON),
    ("no ACLF, INR 1.0", "I2", {"labs.inr": 1.0}, {}, ON),
    ("grade 1", "I2", {"labs.inr": 1.2, "labs.creatinine_mg_dl": 1.6}, {}, ON),
    ("open grade 1 or 2", "I2", {"labs.inr": None, "labs.creatinine_mg_dl": 1.7}, {}, ON),
    ("open grade 0 or 2", "I2", {"labs.inr": None}, {}, ON),
    ("no chronic liver disease", "I2", {"chronic_liver_disease": False}, {}, ON),
    ("liver disease unrecorded", "I2", {"chronic_liver_disease": None}, {}, ON),
    (
        "liver disease and INR unrecorded",
        "I2",
        {"chronic_liver_disease": None, "labs.inr": None},
        {},
        ON,
    ),
    ("grade 1 only eligible", "I2", {}, {"eligible_aclf_grades": frozenset({1})}, ON),
    ("RJ-001", "I3", {}, {}, ON),
    ("consent not yet obtained", "I3", {"consent": {"signed_by": None}}, {}, ON),
    ("no consent section", "I3", {"consent": None}, {}, ON),
    ("declined", "I3", {"consent": {"signed_by": "declined"}}, {}, ON),
    (
        "family signed",
        "I3",
        {"consent": {"signed_by": "family", "has_capacity": False, "adult_family_available": True}},
        {},
        ON,
    ),
    (
        "patient without capacity signed",
        "I3",
        {
            "consent": {
                "signed_by": "patient",
                "has_capacity": False,
                "adult_family_available": True,
            }
        },
        {},
        ON,
    ),
    (
        "capacity unrecorded, presumed by the site",
        "I3",
        {"consent": {"signed_by": "patient", "has_capacity": None, "adult_family_available": True}},
        {"presume_patient_capacity": True},
        ON,
    ),
    (
        "capacity unrecorded",
        "I3",
        {"consent": {"signed_by": "patient", "has_capacity": None, "adult_family_available": True}},
        {},
        ON,
    ),
    ("RJ-001", "E1", {}, {}, ON),
    ("planned", "E1", {"history.artificial_liver_planned": True}, {}, ON),
    ("unrecorded", "E1", {"history.artificial_liver_planned": None}, {}, ON),
    ("RJ-001", "E2", {}, {}, ON),
    ("prior transplant", "E2", {"history.prior_liver_transplant": True}, {}, ON),
    ("stem cells unrecorded", "E2", {"history.prior_stem_cell_therapy": None}, {}, ON),
    (
        "both unrecorded",
        "E2",
        {"history.prior_stem_cell_therapy": None, "history.prior_liver_transplant": None},
        {},
        ON,
    ),
    ("RJ-001", "E3", {}, {}, ON),
    (
        "tumour and tuberculosis",
        "E3",
        {"history.malignancy": True, "history.tuberculosis": True},
        {},
        ON,
    ),
    ("RJ-001", "E4", {}, {}, ON),
    ("HIV", "E4", {"history.hiv": True}, {}, ON),
    ("renal replacement", "E4", {"labs.renal_replacement": True}, {}, ON),
    (
        "HIV, tuberculosis and a trial on the window's first day",
        "E4",
        {
            "history.hiv": True,
            "history.tuberculosis": True,
            "history.last_drug_trial": "2021-07-01",
        },
        {},
        ON,
    ),
    ("trial inside the window", "E4", {"history.last_drug_trial": "2021-08-15"}, {}, ON),
    (
        "trial a day before the window, HIV unrecorded",
        "E4",
        {"history.last_drug_trial": "2021-06-30", "history.hiv": None},
        {},
        ON,
    ),
    (
        "HIV and trial date unrecorded",
        "E4",
        {"history.last_drug_trial": None, "history.hiv": None},
        {},
        ON,
    ),
    ("trial date unrecorded", "E4", {"history.last_drug_trial": None}, {}, ON),
    (
        "HIV, trial date unrecorded",
        "E4",
        {"history.hiv": True, "history.last_drug_trial": None},
        {},
        ON,
    ),
    (
        "trial inside a 1-month window",
        "E4",
        {"history.last_drug_trial": "2021-09-01"},
        {"drug_trial_lookback_months": 1},
        ON,
    ),
    ("RJ-001", "E5", {}, {}, ON),
    ("bleeding on the screening date", "E5", {"history.last_gi_bleeding": "2021-10-01"}, {}, ON),
    ("infection inside the month", "E5", {"history.last_serious_infection": "2021-09-15"}, {}, ON),
    (
        "infection after the screening date",
        "E5",
        {"history.last_serious_infection": "2022-01-01"},
        {},
        ON,
    ),
    (
        "bleeding on the window's first day, infection after the screening date",
        "E5",
        {"history.last_gi_bleeding": "2021-09-01", "history.last_serious_infection": "2021-10-05"},
        {},
        ON,
    ),
    (
        "bleeding date unrecorded, infection before the window",
        "E5",
        {"history.last_gi_bleeding": None, "history.last_serious_infection": "2021-08-31"},
        {},
        ON,
    ),
    ("infection date unrecorded", "E5", {"history.last_serious_infection": None}, {}, ON),
    (
        "bleeding inside a 2-month window",
        "E5",
        {"history.last_gi_bleeding": "2021-08-01"},
        {"bleeding_infection_lookback_months": 2},
        ON,
    ),
    (
        "window back from 31 March",
        "E5",
        {"history.last_gi_bleeding": "2021-02-28"},
        {},
        d("2021-03-31"),
    ),
    ("RJ-001 (male)", "E6", {}, {}, ON),
    (
        "female, neither",
        "E6",
        {"sex": "female", "history.pregnant": False, "history.lactating": False},
        {},
        ON,
    ),
    ("female, both unrecorded", "E6", {"sex": "female"}, {}, ON),
    (
        "female, pregnancy unrecorded",
        "E6",
        {"sex": "female", "history.pregnant": None, "history.lactating": False},
        {},
        ON,
    ),
    (
        "female, lactating",
        "E6",
        {"sex": "female", "history.pregnant": False, "history.lactating": True},
        {},
        ON,
    ),
    ("female, pregnant", "E6", {"sex": "female", "history.pregnant": True}, {}, ON),
    (
        "female, both",
        "E6",
        {"sex": "female", "history.pregnant": True, "history.lactating": True},
        {},
        ON,
    ),
    ("RJ-001", "E7", {}, {}, ON),
    (
        "family available",
        "E7",
        {
            "consent": {
                "signed_by": "patient",
                "has_capacity": False,
                "adult_family_available": True,
            }
        },
        {},
        ON,
    ),
    (
        "family signed",
        "E7",
        {"consent": {"signed_by": "family", "has_capacity": None, "adult_family_available": None}},
        {},
        ON,
    ),
    (
        "no capacity, no family",
        "E7",
        {"consent": {"signed_by": None, "has_capacity": False, "adult_family_available": False}},
        {},
        ON,
    ),
    (
        "no capacity, family unrecorded",
        "E7",
        {"consent": {"signed_by": None, "has_capacity": False, "adult_family_available": None}},
        {},
        ON,
    ),
    (
        "both unrecorded",
        "E7",
        {"consent": {"signed_by": "patient", "has_capacity": None, "adult_family_available": None}},
        {},
        ON,
    ),
)


def _case_result(
    criterion: str, changes: dict[str, Any], protocol_changes: dict[str, Any], on: date
) -> Any:
    protocol = attrs.evolve(NCT04822922, **protocol_changes)
    return check_eligibility(rj001(**changes), on, protocol=protocol).criteria[criterion]


class TestReasons:
    """§5: each criterion's reason names the facts and values used, in fixed words."""

    def test_every_reason_in_words(self) -> None:
        """One line per case: the reason and the missing paths (golden file)."""
        lines = []
        for case, criterion, changes, protocol_changes, on in REASON_CASES:
            result = _case_result(criterion, changes, protocol_changes, on)
            paths = ", ".join(result.missing) or "-"
            lines.append(f"{criterion} {case} | {result.reason} | missing: {paths}")
        assert_golden("eligibility/reasons.txt", "\n".join(lines) + "\n")

    @pytest.mark.parametrize(
        ("_case", "criterion", "changes", "protocol_changes", "on"),
        REASON_CASES,
        ids=[f"{c[1]} {c[0]}" for c in REASON_CASES],
    )
    def test_reason_heads_with_id_and_outcome(
        self,
        _case: str,
        criterion: str,
        changes: dict[str, Any],
        protocol_changes: dict[str, Any],
        on: date,
    ) -> None:
        """Every reason starts "<id> <outcome words>: " and names something after it."""
        result = _case_result(criterion, changes, protocol_changes, on)
        head = f"{criterion} {OUTCOME_WORDS[result.outcome]}: "
        assert result.reason.startswith(head)
        assert len(result.reason) > len(head)

    def test_screening_logs(self) -> None:
        """explain() of an INCOMPLETE and an INELIGIBLE patient, every line (golden file)."""
        incomplete = incomplete_rj001()
        ineligible = rj001(
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
        logs = [check_eligibility(p, ON).explain() for p in (rj001(), incomplete, ineligible)]
        logs.append(check_eligibility(rj001(**{"labs.inr": None}), ON).explain())
        assert_golden("eligibility/logs.txt", "\n\n".join(logs) + "\n")

    def test_rj001_record(self) -> None:
        """SPEC §9's RJ-001 as JSON: every criterion's kind, outcome, reason, words (golden)."""
        record = check_eligibility(rj001(), ON).to_dict()
        texts = {c.criterion_id: c.text for c in NCT04822922.criteria}
        assert {cid: c["text"] for cid, c in record["criteria"].items()} == texts
        assert_golden("eligibility/rj001.json", golden_json(record))


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
        assert (result.on, result.protocol) == (ON, NCT04822922)

    def test_criteria_follow_the_protocol(self) -> None:
        """Ids I1..E7 in protocol order, with kind and the record's words."""
        criteria = check_eligibility(rj001(), ON).criteria
        assert list(criteria) == [c.criterion_id for c in NCT04822922.criteria]
        assert criteria["E3"].kind is CriterionKind.EXCLUSION
        assert criteria["E3"].text == NCT04822922.criterion("E3").text
        assert criteria["E3"].criterion is NCT04822922.criterion("E3")

    def test_to_dict_is_json(self) -> None:
        """to_dict: ISO date, enum values, criteria by id, the protocol's id and version (§1
        v2); JSON round-trips it unchanged."""
        record = check_eligibility(rj001(), ON).to_dict()
        assert json.loads(json.dumps(record)) == record
        assert (record["patient_id"], record["on"], record["protocol"]) == (
            "RJ-001",
            "2021-10-01",
            {"nct_id": "NCT04822922", "version": "1.0"},
        )
        assert (record["status"], record["missing"]) == ("eligible", [])
        assert record["criteria"]["I3"]["outcome"] == "met"
        assert record["criteria"]["E3"]["kind"] == "exclusion"
        assert record["criteria"]["E3"]["missing"] == []


class TestResults:
    """§10: a result is an immutable value; it shows neither the patient nor the protocol."""

    @pytest.mark.parametrize(
        ("changes", "status", "named"),
        [
            ({}, "eligible", []),
            ({"birth_date": date(2010, 1, 1)}, "ineligible", ["I1 not met"]),
            ({"chronic_liver_disease": None}, "incomplete", ["I2 unknown"]),
        ],
    )
    def test_reason_is_the_status_and_what_decided_it(
        self, changes: dict[str, Any], status: str, named: list[str]
    ) -> None:
        """``.reason`` opens with the status value and lists only the deciding criteria."""
        result = check_eligibility(rj001(**changes), ON)
        head, _, rest = result.reason.partition(": ")
        assert head == status == result.status.value
        if named:
            assert rest.split(", ") == named

    def test_criteria_mapping_is_read_only(self) -> None:
        """.criteria is a read-only mapping (the result is immutable)."""
        criteria = check_eligibility(rj001(), ON).criteria
        assert isinstance(criteria, MappingProxyType)
        with pytest.raises(TypeError):
            criteria["I1"] = criteria["I2"]  # type: ignore[index]

    def test_repr_names_the_patient_not_the_record(self) -> None:
        """The repr names patient id, date and status, not the record or the protocol."""
        text = repr(check_eligibility(rj001(), ON))
        assert "RJ-001" in text
        assert "2021" in text
        assert "ELIGIBLE" in text
        assert "bilirubin" not in text
        assert "NCT04822922" not in text
        assert "Criterion(" not in text

    def test_results_are_written_once(self) -> None:
        """The per-criterion results (and reasons) are written once and kept."""
        result = check_eligibility(rj001(), ON)
        first = result.results
        assert result.results is first
        assert tuple(result.criteria.values()) == first
        assert result.reasons == tuple(r.reason for r in first)

    def test_one_verdict_per_criterion(self) -> None:
        """The result keeps one verdict per criterion; holding is the outcome's meaning."""
        result = check_eligibility(rj001(**{"labs.inr": None, "history.hiv": True}), ON)
        assert len(result.verdicts) == len(NCT04822922.criteria)
        assert [v.holds for v in result.verdicts] == [True, None, True] + [False] * 3 + [True] + [
            False
        ] * 3

    def test_equal_inputs_equal_results(self) -> None:
        """Two screenings of one patient are equal, before and after writing the reasons."""
        first, second = check_eligibility(rj001(), ON), check_eligibility(rj001(), ON)
        assert first == second
        _ = first.results
        assert first == second
        assert first != check_eligibility(rj001(**{"labs.inr": None}), ON)


class TestAgeCriterion:
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
        """18 and 70 are inside, 17 and 71 outside; I1 is never missing anything."""
        assert outcome(rj001(birth_date=birth), "I1") is expected
        assert missing(rj001(birth_date=birth), "I1") == ()

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
        """attrs.evolve(max_age_years=75) admits a 71-year-old (§1, §10); min too."""
        older = rj001(birth_date="1950-01-01")
        variant = attrs.evolve(NCT04822922, max_age_years=75)
        assert outcome(older, "I1") is NOT_MET
        assert outcome(older, "I1", protocol=variant) is MET
        younger = attrs.evolve(NCT04822922, min_age_years=54)
        assert outcome(rj001(), "I1", protocol=younger) is NOT_MET


class TestAclfCriterion:
    """I2: chronic liver disease and ACLF grade 1-2 over the still-possible grades (§5, §7.4)."""

    @pytest.mark.parametrize(
        ("changes", "expected", "paths"),
        [
            ({"labs.creatinine_mg_dl": 2.4}, NOT_MET, ()),  # grade 3
            ({"labs.vasopressors": True}, NOT_MET, ()),  # grade 3
            ({"labs.inr": 1.2}, NOT_MET, ()),  # liver failure alone, Cr < 1.5: no ACLF
            ({"labs.inr": 1.2, "labs.creatinine_mg_dl": 1.6}, MET, ()),  # grade 1
            # §5's example: liver failure, Cr 1.7, INR unknown -> {1, 2} -> MET.
            ({"labs.inr": None, "labs.creatinine_mg_dl": 1.7}, MET, ()),
            ({"labs.inr": None}, UNKNOWN, ("labs.inr",)),  # {0, 2}
            ({"chronic_liver_disease": False}, NOT_MET, ()),
            ({"chronic_liver_disease": None}, UNKNOWN, ("chronic_liver_disease",)),
            (
                {"chronic_liver_disease": None, "labs.inr": None},
                UNKNOWN,
                ("chronic_liver_disease", "labs.inr"),
            ),
            # Grade 3 whatever the disease history: NOT_MET anyway.
            ({"chronic_liver_disease": None, "labs.vasopressors": True}, NOT_MET, ()),
            # Grade {1, 2} settled: only the disease history is missing.
            (
                {"chronic_liver_disease": None, "labs.inr": None, "labs.creatinine_mg_dl": 1.7},
                UNKNOWN,
                ("chronic_liver_disease",),
            ),
        ],
    )
    def test_grades_and_disease(
        self, changes: dict[str, Any], expected: Outcome, paths: tuple[str, ...]
    ) -> None:
        """The grade over unknown labs and the disease history decide I2."""
        assert outcome(rj001(**changes), "I2") is expected
        assert missing(rj001(**changes), "I2") == paths

    def test_open_grade_straddling_is_incomplete(self) -> None:
        """Liver failure, Cr 1.1, INR unknown -> {0, 2}: INCOMPLETE, missing labs.inr."""
        result = check_eligibility(rj001(**{"labs.inr": None}), ON)
        assert result.status is EligibilityStatus.INCOMPLETE
        assert result.missing == ("labs.inr",)

    def test_eligible_grades_are_a_protocol_parameter(self) -> None:
        """A variant admitting grade 1 only: RJ-001 (grade 2) is NOT_MET; {0, 1} admits
        no ACLF."""
        variant = attrs.evolve(NCT04822922, eligible_aclf_grades=frozenset({1}))
        assert outcome(rj001(), "I2", protocol=variant) is NOT_MET
        none = attrs.evolve(NCT04822922, eligible_aclf_grades=frozenset({0, 1}))
        assert outcome(rj001(**{"labs.inr": 1.2}), "I2", protocol=none) is MET


class TestConsentCriterion:
    """I3 (§5 v2): family signature, or the patient's with capacity; declined is NOT_MET; not
    yet obtained, or capacity unknown, is UNKNOWN."""

    @pytest.mark.parametrize(
        ("consent", "expected", "paths"),
        [
            ({"signed_by": None, "has_capacity": True}, UNKNOWN, ("consent.signed_by",)),
            ({"signed_by": "declined", "has_capacity": True}, NOT_MET, ()),
            ({"signed_by": "declined", "has_capacity": None}, NOT_MET, ()),
            ({"signed_by": "family", "has_capacity": False}, MET, ()),
            ({"signed_by": "family", "has_capacity": None}, MET, ()),
            ({"signed_by": "patient", "has_capacity": True}, MET, ()),
            ({"signed_by": "patient", "has_capacity": None}, UNKNOWN, ("consent.has_capacity",)),
            ({"signed_by": "patient", "has_capacity": False}, NOT_MET, ()),
        ],
    )
    def test_consent_states(
        self, consent: dict[str, Any], expected: Outcome, paths: tuple[str, ...]
    ) -> None:
        """Who signed, or refused, and the patient's capacity decide I3 (SPEC defaults)."""
        patient = rj001(consent={**consent, "adult_family_available": True})
        assert outcome(patient, "I3") is expected
        assert missing(patient, "I3") == paths

    @pytest.mark.parametrize("consent", [None, {}, {"signed_by": None}])
    def test_not_yet_obtained_is_unknown(self, consent: dict[str, Any] | None) -> None:
        """§5 I3 v2 defect: no consent section, no signed_by and null all mean consent not yet
        obtained: UNKNOWN, missing consent.signed_by (version 1 said NOT_MET)."""
        patient = rj001(consent=consent)
        assert outcome(patient, "I3") is UNKNOWN
        assert missing(patient, "I3") == ("consent.signed_by",)

    def test_capacity_is_not_presumed_by_default(self) -> None:
        """SPEC v2 default: a patient signature with capacity unrecorded leaves the patient
        INCOMPLETE, missing consent.has_capacity (D-I3-CAPACITY)."""
        assert NCT04822922.presume_patient_capacity is False
        unknown = rj001(consent={"signed_by": "patient", "adult_family_available": True})
        result = check_eligibility(unknown, ON)
        assert result.status is EligibilityStatus.INCOMPLETE
        assert result.criteria["I3"].missing == ("consent.has_capacity",)
        assert result.missing == ("consent.has_capacity",)
        assert not result.consent_pending  # signed: only its validity is open

    def test_a_presuming_site_counts_the_signature(self) -> None:
        """presume_patient_capacity=True: the signature counts until incapacity is found, so
        that finding turns ELIGIBLE into INELIGIBLE (the site's choice, D-I3-CAPACITY)."""
        presumed = rj001(consent={"signed_by": "patient", "adult_family_available": True})
        found = rj001(
            consent={"signed_by": "patient", "has_capacity": False, "adult_family_available": True}
        )
        assert check_eligibility(presumed, ON, protocol=PRESUMING).status is (
            EligibilityStatus.ELIGIBLE
        )
        assert check_eligibility(found, ON, protocol=PRESUMING).status is (
            EligibilityStatus.INELIGIBLE
        )
        pending = rj001(consent={"signed_by": None})
        assert outcome(pending, "I3", protocol=PRESUMING) is UNKNOWN

    def test_family_signature_without_family_is_contradictory(self) -> None:
        """§5: a family signature with adult_family_available false is a ProtocolError."""
        with pytest.raises(ProtocolError, match=r"signed_by"):
            rj001(consent={"signed_by": "family", "adult_family_available": False})


class TestPreScreening:
    """§5 I3 v2: a patient screened on clinical facts before consent is INCOMPLETE, "consent
    pending", never INELIGIBLE for lack of a signature (D-SCR-CONSENT-PENDING)."""

    def test_pre_screened_patient_is_consent_pending(self) -> None:
        """RJ-001's clinical facts with no consent yet: INCOMPLETE, consent pending, I3 and
        E7 open (version 1 said INELIGIBLE: I3 not met)."""
        result = check_eligibility(rj001(consent=None), ON)
        assert result.status is EligibilityStatus.INCOMPLETE
        assert result.consent_pending is True
        assert result.to_dict()["consent_pending"] is True
        assert result.missing == (
            "consent.signed_by",
            "consent.has_capacity",
            "consent.adult_family_available",
        )
        assert result.reason == "incomplete: I3 unknown, E7 unknown (consent pending)"

    def test_signing_decides(self) -> None:
        """Once the family signs, the pre-screened patient is ELIGIBLE; once declined,
        INELIGIBLE, and neither is consent pending."""
        family = {"signed_by": "family", "adult_family_available": True}
        signed = check_eligibility(rj001(consent=family), ON)
        assert (signed.status, signed.consent_pending) == (EligibilityStatus.ELIGIBLE, False)
        declined = check_eligibility(rj001(consent={"signed_by": "declined"}), ON)
        assert declined.status is EligibilityStatus.INELIGIBLE
        assert declined.consent_pending is False
        assert declined.to_dict()["consent_pending"] is False

    @pytest.mark.parametrize(
        ("changes", "status"),
        [
            ({"labs.inr": None}, EligibilityStatus.INCOMPLETE),  # a clinical fact open too
            ({"history.hiv": True}, EligibilityStatus.INELIGIBLE),  # a screen failure anyway
            ({"birth_date": "1940-01-01"}, EligibilityStatus.INELIGIBLE),
        ],
    )
    def test_pending_only_when_consent_alone_is_open(
        self, changes: dict[str, Any], status: EligibilityStatus
    ) -> None:
        """Consent pending needs every criterion but I3 and E7 decided for the patient."""
        result = check_eligibility(rj001(consent=None, **changes), ON)
        assert result.status is status
        assert result.consent_pending is False
        assert "consent pending" not in result.reason

    def test_e7_may_stay_open(self) -> None:
        """Capacity known false, family unrecorded: E7 UNKNOWN, still consent pending (the
        consent conversation settles who can sign)."""
        consent = {"signed_by": None, "has_capacity": False, "adult_family_available": None}
        result = check_eligibility(rj001(consent=consent), ON)
        assert result.criteria["E7"].outcome is UNKNOWN
        assert result.consent_pending is True

    def test_no_consent_criterion_no_pending(self) -> None:
        """A protocol variant without I3 has no consent to wait for."""
        variant = attrs.evolve(
            NCT04822922,
            criteria=tuple(c for c in NCT04822922.criteria if c.criterion_id != "I3"),
        )
        result = check_eligibility(rj001(consent=None), ON, protocol=variant)
        assert result.status is EligibilityStatus.INCOMPLETE  # E7 open
        assert result.consent_pending is False


class TestExclusionFacts:
    """E1-E4: PRESENT if any fact is true, ABSENT if all are known false, else UNKNOWN (§5)."""

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
        """True -> PRESENT and INELIGIBLE; None -> UNKNOWN naming exactly that path."""
        present = check_eligibility(rj001(**{path: True}), ON)
        assert {c for c, r in present.criteria.items() if r.outcome is PRESENT} == set(criteria)
        assert {c for c, o in present.outcome_by_criterion.items() if o is PRESENT} == set(criteria)
        assert present.status is EligibilityStatus.INELIGIBLE
        unknown = check_eligibility(rj001(**{path: None}), ON)
        for criterion in criteria:
            assert unknown.criteria[criterion].outcome is UNKNOWN
            assert unknown.criteria[criterion].missing == (path,)

    def test_renal_replacement_drives_kidney_and_e4(self) -> None:
        """§9: renal replacement is one fact: kidney failure (grade 3 here) and E4 PRESENT."""
        result = check_eligibility(rj001(**{"labs.renal_replacement": True}), ON)
        assert result.criteria["E4"].outcome is PRESENT
        assert result.criteria["I2"].outcome is NOT_MET

    def test_unknown_facts_in_record_order(self) -> None:
        """Several unknown facts of one exclusion are named in the record's order."""
        patient = rj001(
            **{"history.prior_stem_cell_therapy": None, "history.prior_liver_transplant": None}
        )
        assert missing(patient, "E2") == (
            "history.prior_liver_transplant",
            "history.prior_stem_cell_therapy",
        )

    def test_present_fact_outweighs_unknown(self) -> None:
        """One fact true decides PRESENT though another is unknown; nothing is missing."""
        patient = rj001(**{"history.hiv": True, "history.substance_addiction": None})
        assert outcome(patient, "E4") is PRESENT
        assert missing(patient, "E4") == ()


class TestLookBackWindows:
    """E4 drug trial (3 months) and E5 bleeding/infection (1 month), boundary day included;
    an event after the screening date counts as recent (§5)."""

    @pytest.mark.parametrize(
        ("on", "months", "start"),
        [
            (date(2021, 3, 31), 1, date(2021, 2, 28)),
            (date(2020, 3, 31), 1, date(2020, 2, 29)),
            (date(2021, 3, 29), 1, date(2021, 2, 28)),
            (date(2021, 3, 28), 1, date(2021, 2, 28)),
            (date(2021, 5, 31), 1, date(2021, 4, 30)),
            (date(2021, 1, 31), 3, date(2020, 10, 31)),
            (date(2021, 1, 15), 12, date(2020, 1, 15)),
            (date(1, 5, 1), 3, date(1, 2, 1)),
        ],
    )
    def test_window_starts_at_month_ends(self, on: date, months: int, start: date) -> None:
        """§0, §5: a look-back is calendar months, clipped to a shorter month's last day."""
        assert _months_before(on, months) == start

    @pytest.mark.parametrize(
        ("infection", "expected"),
        [(date(2021, 9, 20), Outcome.PRESENT), (None, Outcome.UNKNOWN), (NEVER, Outcome.ABSENT)],
    )
    def test_infection_alone_decides_e5(
        self, infection: date | Never | None, expected: Outcome
    ) -> None:
        """§5 E5: no bleeding ever; a recent, unknown or absent infection decides alone."""
        patient = rj001()
        history = attrs.evolve(
            patient.history, last_gi_bleeding=NEVER, last_serious_infection=infection
        )
        result = check_eligibility(attrs.evolve(patient, history=history), ON)
        assert result.criteria["E5"].outcome is expected

    def test_a_window_before_the_calendar_is_refused_by_name(self) -> None:
        """§0: a screening date whose look-back would start before year 1 names ``on``."""
        early = rj001(birth_date=date(1, 1, 1))
        history = attrs.evolve(early.history, last_drug_trial=date(1, 1, 10))
        err = refusal(
            lambda: check_eligibility(attrs.evolve(early, history=history), date(1, 2, 1))
        )
        assert isinstance(err, InvalidValueError)
        assert (err.field, err.value) == ("on", date(1, 2, 1))
        assert err.rule == "its look-back windows start before year 1 (§0, §5)"

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
        patient = rj001(**{"history.last_drug_trial": last})
        assert outcome(patient, "E4") is expected
        assert missing(patient, "E4") == (("history.last_drug_trial",) if last is None else ())

    @pytest.mark.parametrize(
        ("path", "last", "expected"),
        [
            ("history.last_gi_bleeding", "2021-09-01", PRESENT),  # exactly 1 month before
            ("history.last_gi_bleeding", "2021-08-31", ABSENT),
            ("history.last_gi_bleeding", "2021-10-01", PRESENT),  # the screening date
            ("history.last_serious_infection", "2021-09-01", PRESENT),
            ("history.last_serious_infection", "2021-09-15", PRESENT),
            ("history.last_serious_infection", "2021-08-31", ABSENT),
            ("history.last_serious_infection", "2022-01-01", PRESENT),
            ("history.last_gi_bleeding", None, UNKNOWN),
            ("history.last_serious_infection", None, UNKNOWN),
        ],
    )
    def test_bleeding_and_infection_window(
        self, path: str, last: str | None, expected: Outcome
    ) -> None:
        """GI bleeding or serious infection in the past month excludes (E5)."""
        patient = rj001(**{path: last})
        assert outcome(patient, "E5") is expected
        assert missing(patient, "E5") == ((path,) if last is None else ())

    def test_unknown_date_and_outside_date(self) -> None:
        """An unrecorded bleeding date with an infection outside the window: UNKNOWN, only
        the bleeding date missing; an infection inside the window decides PRESENT."""
        patient = rj001(
            **{"history.last_gi_bleeding": None, "history.last_serious_infection": "2021-08-31"}
        )
        assert outcome(patient, "E5") is UNKNOWN
        assert missing(patient, "E5") == ("history.last_gi_bleeding",)
        inside = with_facts(patient, {"history.last_serious_infection": d("2021-09-30")})
        assert outcome(inside, "E5") is PRESENT

    def test_unknown_date_with_unknown_fact(self) -> None:
        """E4: an unrecorded fact and an unrecorded trial date are both missing, in order;
        an absent trial leaves only the fact."""
        both = rj001(**{"history.hiv": None, "history.last_drug_trial": None})
        assert missing(both, "E4") == ("history.hiv", "history.last_drug_trial")
        outside = rj001(**{"history.hiv": None, "history.last_drug_trial": "2021-06-30"})
        assert (outcome(outside, "E4"), missing(outside, "E4")) == (UNKNOWN, ("history.hiv",))
        found = rj001(**{"history.hiv": True, "history.last_drug_trial": None})
        assert (outcome(found, "E4"), missing(found, "E4")) == (PRESENT, ())

    def test_month_end_window(self) -> None:
        """Screened 31 March: one month back is 28 Feb (relativedelta, §0)."""
        on = date(2021, 3, 31)
        assert outcome(rj001(**{"history.last_gi_bleeding": "2021-02-28"}), "E5", on) is PRESENT
        assert outcome(rj001(**{"history.last_gi_bleeding": "2021-02-27"}), "E5", on) is ABSENT

    def test_lookback_is_a_protocol_parameter(self) -> None:
        """A variant with a 6-month drug-trial window excludes a trial 4 months ago; a
        2-month bleeding window a bleed 2 months ago."""
        patient = rj001(**{"history.last_drug_trial": "2021-06-01"})
        variant = attrs.evolve(NCT04822922, drug_trial_lookback_months=6)
        assert outcome(patient, "E4") is ABSENT
        assert outcome(patient, "E4", protocol=variant) is PRESENT
        bleed = rj001(**{"history.last_gi_bleeding": "2021-08-01"})
        longer = attrs.evolve(NCT04822922, bleeding_infection_lookback_months=2)
        assert outcome(bleed, "E5") is ABSENT
        assert outcome(bleed, "E5", protocol=longer) is PRESENT

    @given(
        on=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
        months=st.integers(0, 1200),
    )
    @example(on=date(2021, 3, 31), months=1)
    @example(on=date(2020, 5, 31), months=3)
    @example(on=date(2000, 3, 29), months=1)
    @example(on=date(1900, 3, 31), months=1)
    @example(on=date(2100, 12, 31), months=1200)
    def test_window_start_is_relativedeltas(self, on: date, months: int) -> None:
        """The window's first day equals ``on - relativedelta(months=...)`` for every date
        1900-2100 and every look-back a protocol allows (0-1200 months, §5)."""
        assert _months_before(on, months) == on - relativedelta(months=months)

    @given(on=screening_dates, months=st.sampled_from((1, 3)))
    def test_window_ends_through_screening(self, on: date, months: int) -> None:
        """An event on the window's first day is PRESENT, the day before ABSENT (E4, E5)."""
        start = on - relativedelta(months=months)
        variant = attrs.evolve(
            NCT04822922,
            drug_trial_lookback_months=months,
            bleeding_infection_lookback_months=months,
        )
        patient = rj001(birth_date="1970-01-01")
        for path, criterion in (
            ("history.last_drug_trial", "E4"),
            ("history.last_gi_bleeding", "E5"),
        ):
            inside = with_facts(patient, {path: start})
            outside = with_facts(patient, {path: start - timedelta(days=1)})
            assert outcome(inside, criterion, on, protocol=variant) is PRESENT
            assert outcome(outside, criterion, on, protocol=variant) is ABSENT


class TestPregnancyCriterion:
    """E6: pregnant or lactating; a male patient's unknowns are not applicable (§5)."""

    @pytest.mark.parametrize(
        ("sex", "pregnant", "lactating", "expected", "paths"),
        [
            ("male", None, None, ABSENT, ()),
            ("male", False, None, ABSENT, ()),
            ("female", None, None, UNKNOWN, ("history.pregnant", "history.lactating")),
            ("female", False, None, UNKNOWN, ("history.lactating",)),
            ("female", None, False, UNKNOWN, ("history.pregnant",)),
            ("female", False, False, ABSENT, ()),
            ("female", None, True, PRESENT, ()),
            ("female", True, None, PRESENT, ()),
        ],
    )
    def test_pregnancy(
        self,
        sex: str,
        pregnant: bool | None,
        lactating: bool | None,
        expected: Outcome,
        paths: tuple[str, ...],
    ) -> None:
        """Sex, pregnancy and lactation decide E6."""
        patient = rj001(sex=sex, **{"history.pregnant": pregnant, "history.lactating": lactating})
        assert outcome(patient, "E6") is expected
        assert missing(patient, "E6") == paths

    @pytest.mark.parametrize("fact", ["history.pregnant", "history.lactating"])
    def test_male_recorded_pregnant_is_refused(self, fact: str) -> None:
        """§5 E6 v2: a male record with pregnancy or lactation true is contradictory, so a
        decided status cannot flip through E6 (version 1 screened it as E6 PRESENT)."""
        err = refusal(lambda: rj001(**{fact: True}))
        assert isinstance(err, InconsistentRecordError)
        assert err.field == fact

    def test_female_unknowns_are_missing(self) -> None:
        """A female patient with both unknown: both paths are missing from the result."""
        result = check_eligibility(rj001(sex="female"), ON)
        assert result.missing == ("history.pregnant", "history.lactating")


class TestNoOneToConsentCriterion:
    """E7: unable to judge independently and no direct adult family member (§5)."""

    @pytest.mark.parametrize(
        ("consent", "expected", "paths"),
        [
            (
                {"signed_by": None, "has_capacity": False, "adult_family_available": False},
                PRESENT,
                (),
            ),
            (
                {"signed_by": None, "has_capacity": False, "adult_family_available": None},
                UNKNOWN,
                ("consent.adult_family_available",),
            ),
            (
                {"signed_by": None, "has_capacity": None, "adult_family_available": False},
                UNKNOWN,
                ("consent.has_capacity",),
            ),
            (
                {"signed_by": "patient", "has_capacity": None, "adult_family_available": None},
                UNKNOWN,
                ("consent.has_capacity", "consent.adult_family_available"),
            ),
            (
                {"signed_by": None, "has_capacity": True, "adult_family_available": False},
                ABSENT,
                (),
            ),
            (
                {"signed_by": None, "has_capacity": False, "adult_family_available": True},
                ABSENT,
                (),
            ),
            # §5 v2: a refusal says nothing about capacity or family; E7 reads them as they are.
            (
                {"signed_by": "declined", "has_capacity": False, "adult_family_available": False},
                PRESENT,
                (),
            ),
            (
                {"signed_by": "declined", "has_capacity": None, "adult_family_available": True},
                ABSENT,
                (),
            ),
            # D-SCR-E7: a family signature shows a direct adult family member exists.
            (
                {"signed_by": "family", "has_capacity": False, "adult_family_available": None},
                ABSENT,
                (),
            ),
            (
                {"signed_by": "family", "has_capacity": None, "adult_family_available": None},
                ABSENT,
                (),
            ),
        ],
    )
    def test_capacity_and_family(
        self, consent: dict[str, Any], expected: Outcome, paths: tuple[str, ...]
    ) -> None:
        """Capacity and family availability decide E7."""
        assert outcome(rj001(consent=consent), "E7") is expected
        assert missing(rj001(consent=consent), "E7") == paths


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
            "consent.has_capacity",  # I3: not presumed (§5 v2)
            "history.hiv",
            "history.pregnant",
            "history.lactating",
        )
        assert result.to_dict()["missing"] == list(result.missing)

    def test_incomplete_record(self) -> None:
        """§5: every unknown that could decide it, in protocol order, and per criterion."""
        patient = incomplete_rj001()
        result = check_eligibility(patient, ON)
        expected = [
            "labs.inr",
            "consent.has_capacity",
            "history.hiv",
            "history.last_drug_trial",
            "history.pregnant",
            "consent.adult_family_available",
        ]
        record = result.to_dict()
        assert (record["status"], record["missing"]) == ("incomplete", expected)
        assert record["criteria"]["E4"]["missing"] == ["history.hiv", "history.last_drug_trial"]
        assert record["criteria"]["E4"]["outcome"] == "unknown"
        assert result.missing == tuple(expected)
        assert result.explain().splitlines()[0] == (
            f"RJ-001 on 2021-10-01: incomplete (missing: {', '.join(expected)})"
        )
        assert len(result.explain().splitlines()) == 11

    def test_ineligible_lists_nothing_missing(self) -> None:
        """Once INELIGIBLE, nothing is missing, though some criteria stay UNKNOWN."""
        result = check_eligibility(rj001(**{"labs.inr": None, "history.hiv": True}), ON)
        assert result.status is EligibilityStatus.INELIGIBLE
        assert result.criteria["I2"].outcome is UNKNOWN
        assert result.criteria["I2"].missing == ("labs.inr",)
        assert result.missing == ()
        assert result.to_dict()["missing"] == []
        assert result.explain().splitlines()[0] == "RJ-001 on 2021-10-01: ineligible"

    def test_outcomes_by_criterion(self) -> None:
        """§5: the outcomes of an incomplete patient, in protocol order, without reasons."""
        result = check_eligibility(rj001(**{"labs.inr": None}), ON)
        assert dict(result.outcome_by_criterion) == {
            "I1": MET,
            "I2": UNKNOWN,
            "I3": MET,
            "E1": ABSENT,
            "E2": ABSENT,
            "E3": ABSENT,
            "E4": ABSENT,
            "E5": ABSENT,
            "E6": ABSENT,
            "E7": ABSENT,
        }
        assert result.outcomes == tuple(result.outcome_by_criterion.values())


class TestProtocolVariants:
    """Criteria are data: variants may drop criteria; unknown ids are errors (§1, §5)."""

    def test_every_criterion_has_an_evaluator(self) -> None:
        """EVALUATORS maps each of the protocol's ids to one function."""
        assert list(EVALUATORS) == [c.criterion_id for c in NCT04822922.criteria]

    def test_dropped_criterion_is_not_evaluated(self) -> None:
        """Without E6 the result has nine criteria."""
        variant = attrs.evolve(
            NCT04822922,
            criteria=tuple(c for c in NCT04822922.criteria if c.criterion_id != "E6"),
        )
        result = check_eligibility(rj001(sex="female"), ON, protocol=variant)
        assert "E6" not in result.criteria
        assert len(result.criteria) == 9
        assert result.status is EligibilityStatus.ELIGIBLE

    def test_reordered_criteria_keep_their_kinds(self) -> None:
        """Reordered criteria are evaluated in the protocol's order, each by its own kind."""
        variant = attrs.evolve(NCT04822922, criteria=tuple(reversed(NCT04822922.criteria)))
        result = check_eligibility(rj001(**{"history.hiv": True}), ON, protocol=variant)
        assert next(iter(result.criteria)) == "E7"
        assert result.criteria["E4"].outcome is PRESENT
        assert result.status is EligibilityStatus.INELIGIBLE
        summary = summarise_screening([result])
        assert (summary.meeting_exclusion, summary.not_meeting_inclusion) == (1, 0)

    def test_unknown_criterion_is_an_error(self) -> None:
        """A criterion id with no evaluator -> InvalidValueError naming it, at the call."""
        extra = Criterion(criterion_id="E8", kind=CriterionKind.EXCLUSION, text="Left-handed")
        variant = attrs.evolve(NCT04822922, criteria=(*NCT04822922.criteria, extra))
        error = refusal(lambda: check_eligibility(rj001(), ON, protocol=variant))
        assert isinstance(error, InvalidValueError)
        assert (error.field, error.value) == ("criteria", "E8")
        with pytest.raises(InvalidValueError, match=r"^criteria: "):
            screen([rj001()], ON, protocol=variant)  # raised at the call, not at first use


#: §1 v2: the built-in protocol re-issued as version 2.0 with no other change.
VERSION_2 = attrs.evolve(NCT04822922, version="2.0")


class TestResultsNameTheirProtocol:
    """§1 v2: a screening names the protocol and version applied; two screenings under
    different versions are never equal, even when every criterion comes out the same."""

    def test_the_record_names_the_version(self) -> None:
        record = check_eligibility(rj001(), ON, protocol=VERSION_2).to_dict()
        assert record["protocol"] == {"nct_id": "NCT04822922", "version": "2.0"}
        assert list(record)[:3] == ["patient_id", "on", "protocol"]

    def test_two_versions_never_equal(self) -> None:
        first = check_eligibility(rj001(), ON)
        second = check_eligibility(rj001(), ON, protocol=VERSION_2)
        assert first.status is second.status
        assert first.outcomes == second.outcomes
        assert first != second
        assert first == check_eligibility(rj001(), ON)

    def test_the_amendment_decides_and_says_so(self) -> None:
        """The example amendment (max age 75): a 72-year-old is ineligible under 1.0 and
        eligible under 2.0, and each result names its version."""
        amended = attrs.evolve(VERSION_2, max_age_years=75)
        older = rj001(birth_date="1949-05-01")  # 72 on 2021-10-01
        under_1, under_2 = (
            check_eligibility(older, ON),
            check_eligibility(older, ON, protocol=amended),
        )
        assert (under_1.status, under_2.status) == (
            EligibilityStatus.INELIGIBLE,
            EligibilityStatus.ELIGIBLE,
        )
        assert [r.to_dict()["protocol"]["version"] for r in (under_1, under_2)] == ["1.0", "2.0"]

    def test_a_summary_names_every_version_it_counts(self) -> None:
        """D-LABEL-SUMMARY: a log spanning an amendment lists both versions, first seen first;
        the same counts under other versions are another summary."""
        results = [
            check_eligibility(rj001(), ON, protocol=VERSION_2),
            check_eligibility(rj001(), ON),
        ]
        summary = summarise_screening(results)
        assert summary.protocols == (("NCT04822922", "2.0"), ("NCT04822922", "1.0"))
        assert summary.to_dict()["protocols"] == [
            {"nct_id": "NCT04822922", "version": "2.0"},
            {"nct_id": "NCT04822922", "version": "1.0"},
        ]
        only_1 = summarise_screening([check_eligibility(rj001(), ON)] * 2)
        assert only_1.eligible == summary.eligible
        assert only_1 != summary
        assert summarise_screening([]).protocols == ()


class TestArgumentErrors:
    """§0, §1, §5, §9: refused arguments are named with their value and rule."""

    def test_refusals(self) -> None:
        """Each refusal's field and value; their messages word for word (golden file)."""
        extra = Criterion(criterion_id="E8", kind=CriterionKind.EXCLUSION, text="Left-handed")
        variant = attrs.evolve(NCT04822922, criteria=(*NCT04822922.criteria, extra))
        cases = [
            (lambda: check_eligibility("RJ-001", ON), "patient", "RJ-001"),  # type: ignore[arg-type]
            (lambda: check_eligibility(rj001(), "2021-10-01"), "on", "2021-10-01"),  # type: ignore[arg-type]
            (
                lambda: check_eligibility(rj001(), ON, protocol="NCT04822922"),  # type: ignore[arg-type]
                "protocol",
                "NCT04822922",
            ),
            (lambda: check_eligibility(rj001(), ON, protocol=None), "protocol", None),  # type: ignore[arg-type]
            (lambda: check_eligibility(rj001(), ON, protocol=variant), "criteria", "E8"),
            (lambda: summarise_screening(["eligible"]), "results[0]", "eligible"),  # type: ignore[list-item]
            (lambda: summarise_screening(5), "results", 5),  # type: ignore[arg-type]
        ]
        messages = []
        for call, field, value in cases:
            error = refusal(call)
            assert isinstance(error, InvalidValueError)
            assert (error.field, error.value) == (field, value)
            messages.append(str(error))
        assert_golden("eligibility/errors.txt", "\n".join(messages) + "\n")
        record = refusal(lambda: check_eligibility(SPEC_RECORD, ON))  # type: ignore[arg-type]
        assert isinstance(record, InvalidValueError)
        assert (record.field, record.value) == ("patient", SPEC_RECORD)


class TestScreeningSummary:
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
            rj001(patient_id="B", consent={"signed_by": "declined"}, **{"history.hiv": True}),
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
        assert summary.consent_pending == 0
        assert dict(summary.unknown)["I2"] == 1
        assert summary.missing_facts == (("labs.inr", 1),)
        assert summary.by_status[EligibilityStatus.INCOMPLETE] == 1
        assert json.loads(json.dumps(summary.to_dict())) == summary.to_dict()

    def test_summary_record(self) -> None:
        """Nine patients worked by hand: counts, failures per criterion, facts to chase, and
        the pre-screened patients waiting for consent counted apart (§5 I3 v2)."""
        cohort = [
            rj001(),  # eligible
            rj001(patient_id="B", consent={"signed_by": "declined"}, **{"history.hiv": True}),
            rj001(patient_id="C", **{"labs.inr": None}),  # I2 unknown
            rj001(patient_id="G", **{"history.last_gi_bleeding": None}),  # E5 unknown
            rj001(patient_id="D", chronic_liver_disease=None, **{"labs.inr": None}),
            rj001(patient_id="E", birth_date="1940-01-01", consent={"signed_by": "declined"}),
            rj001(patient_id="F", **{"history.hiv": True}),
            rj001(patient_id="H", consent=None),  # pre-screened: consent pending
            rj001(patient_id="J", consent={"signed_by": None, "has_capacity": True}),  # pending
        ]
        summary = summarise_screening(screen(cohort, ON))
        # B: I3 not met (declined) + E4 present; E: I1 and I3 not met (one patient); F: E4.
        # B's and E's consent records hold only signed_by, so capacity and family are unknown:
        # E7 UNKNOWN for both (ineligible anyway, so their facts are not "missing").
        # H and J wait for consent only: incomplete, consent pending, never screen failures.
        # H lacks the three consent facts, J (capacity known: E7 absent) only the signature.
        # Missing: consent.signed_by and labs.inr twice, then one each, alphabetical order.
        assert summary.to_dict() == {
            "screened": 9,
            "eligible": 1,
            "ineligible": 3,
            "incomplete": 5,
            "consent_pending": 2,
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
                "I3": 2,
                "E1": 0,
                "E2": 0,
                "E3": 0,
                "E4": 0,
                "E5": 1,
                "E6": 0,
                "E7": 3,
            },
            "missing_facts": {
                "consent.signed_by": 2,
                "labs.inr": 2,
                "chronic_liver_disease": 1,
                "consent.adult_family_available": 1,
                "consent.has_capacity": 1,
                "history.last_gi_bleeding": 1,
            },
            "protocols": [{"nct_id": "NCT04822922", "version": "1.0"}],
        }
        assert summary.missing_facts[:2] == (("consent.signed_by", 2), ("labs.inr", 2))
        assert dict(summary.by_status) == {
            EligibilityStatus.ELIGIBLE: 1,
            EligibilityStatus.INELIGIBLE: 3,
            EligibilityStatus.INCOMPLETE: 5,
        }

    def test_summary_writes_no_reason(self) -> None:
        """Counting leaves every result's reasons unwritten (§5)."""
        results = list(screen([rj001(), rj001(**{"labs.inr": None})], ON))
        summarise_screening(results)
        assert all(r._written is None for r in results)

    def test_summary_of_nothing(self) -> None:
        """No patients: all counts zero."""
        summary = summarise_screening([])
        assert summary.screened == 0
        assert summary.failed == summary.unknown == summary.missing_facts == ()


def _decided(result: EligibilityResult) -> bool:
    return result.status is not EligibilityStatus.INCOMPLETE


def _value_at(patient: Patient, path: str) -> Any:
    group, _, key = path.rpartition(".")
    return getattr(getattr(patient, group) if group else patient, key)


class TestVerdictTables:
    """§5: each exclusion's verdict for every combination of its yes/no facts.

    The tables are made once while the module loads. The laws are checked on those tables and
    on tables built again here, which also lets mutation testing see the builders
    (docs/dev/mutation.md, "built at import").
    """

    FLAGS = ("_E1", "_E2", "_E3", "_E4", "_E6")

    @staticmethod
    def tables(name: str) -> list[Any]:
        """The import-time table of exclusion *name* and one built now from the same facts."""
        flags = getattr(eligibility, name)
        return [flags, eligibility._Flags.of(*flags.facts, absent=flags.absent.facts[0])]

    @pytest.mark.parametrize("name", FLAGS)
    def test_any_true_fact_is_present_any_unknown_is_open(self, name: str) -> None:
        """PRESENT > UNKNOWN > ABSENT; an open verdict names exactly its unknown paths."""
        screening = eligibility._Screening(ON, NCT04822922)
        for flags in self.tables(name):
            paths = [path for path, _ in flags.facts]
            assert len(flags.verdicts) == 3 ** len(flags.facts)
            for values, verdict in flags.verdicts.items():
                sentence = verdict.sentence(rj001(), screening)
                if True in values:
                    assert verdict.holds is True
                    assert verdict.paths == ()
                    present = [w for (_, w), v in zip(flags.facts, values, strict=True) if v]
                    assert sentence == ", ".join(present)
                elif None in values:
                    assert verdict.holds is None
                    unknown = tuple(p for p, v in zip(paths, values, strict=True) if v is None)
                    assert verdict.paths == unknown
                    assert sentence.startswith("not recorded: ")
                    assert all(f"({path})" in sentence for path in unknown)
                else:
                    assert verdict is flags.absent
                    assert verdict.holds is False
                    assert verdict.paths == ()

    def test_default_absent_sentence_lists_each_fact(self) -> None:
        """Without its own wording, an exclusion's absent sentence is 'no A, no B'."""
        flags = eligibility._Flags.of(("a.x", "fever"), ("a.y", "rash"))
        assert flags.absent.facts == ("no fever, no rash",)
        assert flags.absent.holds is False

    def test_a_fixed_verdict_says_its_sentence(self) -> None:
        """A verdict whose sentence names no varying fact keeps holds, sentence and paths."""
        verdict = eligibility._fixed(None, "consent not recorded", ("consent.signed_by",))
        assert (verdict.holds, verdict.paths) == (None, ("consent.signed_by",))
        assert verdict.sentence(rj001(), eligibility._Screening(ON, NCT04822922)) == (
            "consent not recorded"
        )


class TestEligibilityLaws:
    """§5 laws over generated patients, partial and near-eligible."""

    @given(patient=screening_patients(on=ON), version=st.sampled_from(["1.1", "2.0", "A-3"]))
    def test_another_version_is_another_result(self, patient: Patient, version: str) -> None:
        """§1 v2: re-issuing the protocol under another version changes no outcome, yet the
        two screenings are never equal and each names its own version."""
        assume(patient.birth_date <= ON)
        first = check_eligibility(patient, ON)
        second = check_eligibility(patient, ON, protocol=attrs.evolve(NCT04822922, version=version))
        assert (first.status, first.outcomes) == (second.status, second.outcomes)
        assert first != second
        assert second.to_dict()["protocol"] == {"nct_id": "NCT04822922", "version": version}

    @given(data=st.data(), on=screening_dates, use_near=st.booleans())
    @example(data=None, on=ON, use_near=False)
    def test_decided_status_never_changes(self, data: Any, on: date, use_near: bool) -> None:
        """ELIGIBLE or INELIGIBLE stays so whatever unknown facts become known, with SPEC's
        defaults and no exception: capacity, consent and a male's pregnancy included (§5)."""
        if data is None:  # the @example: RJ-001 with INR unknown but a known HIV infection
            partial = rj001(**{"labs.inr": None, "history.hiv": True})
            full = with_facts(partial, {"labs.inr": Decimal("1.2")})
        else:
            strategy = screening_patients(on=on) if use_near else partial_patients()
            partial = data.draw(strategy)
            assume(partial.birth_date <= on)
            full = data.draw(completions(partial))
        self.assert_stable(partial, full, on)

    @pytest.mark.parametrize(
        ("consent", "found"),
        [
            # Version 1 presumed capacity: ELIGIBLE, then INELIGIBLE once found false.
            ({"signed_by": "patient"}, {"consent.has_capacity": False}),
            # Version 1 read null as "not signed": INELIGIBLE, then ELIGIBLE once signed.
            ({"signed_by": None}, {"consent.signed_by": Signer.FAMILY}),
            ({"signed_by": None}, {"consent.signed_by": Signer.DECLINED}),
        ],
    )
    def test_consent_facts_keep_a_decided_status(
        self, consent: dict[str, Any], found: dict[str, Any]
    ) -> None:
        """The flips version 1 allowed through I3 no longer happen (§5 I3 v2)."""
        partial = rj001(consent={**consent, "adult_family_available": True})
        self.assert_stable(partial, with_facts(partial, found), ON)
        assert check_eligibility(partial, ON).status is EligibilityStatus.INCOMPLETE

    @staticmethod
    def assert_stable(partial: Patient, full: Patient, on: date) -> None:
        """A decided status and every decided criterion of *partial* hold for *full*."""
        before = check_eligibility(partial, on)
        after = check_eligibility(full, on)
        if _decided(before):
            assert after.status is before.status
        for criterion, result in before.criteria.items():
            if result.outcome is not UNKNOWN:
                assert after.criteria[criterion].outcome is result.outcome

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

    @given(data=st.data(), on=screening_dates, use_near=st.booleans(), presume=st.booleans())
    def test_status_follows_the_outcomes(
        self, data: Any, on: date, use_near: bool, presume: bool
    ) -> None:
        """Any NOT_MET or PRESENT -> INELIGIBLE; all MET/ABSENT -> ELIGIBLE; else INCOMPLETE,
        missing the union of the UNKNOWN criteria's paths."""
        patient = data.draw(screening_patients(on=on) if use_near else partial_patients())
        assume(patient.birth_date <= on)
        result = check_eligibility(patient, on, protocol=PRESUMING if presume else NCT04822922)
        outcomes = {r.outcome for r in result.results}
        if outcomes & {NOT_MET, PRESENT}:
            assert result.status is EligibilityStatus.INELIGIBLE
        elif outcomes <= {MET, ABSENT}:
            assert result.status is EligibilityStatus.ELIGIBLE
        else:
            assert result.status is EligibilityStatus.INCOMPLETE
            union = dict.fromkeys(p for r in result.results for p in r.missing)
            assert result.missing == tuple(union)

    @given(data=st.data(), on=screening_dates, use_near=st.booleans(), presume=st.booleans())
    def test_each_criterion_result_is_consistent(
        self, data: Any, on: date, use_near: bool, presume: bool
    ) -> None:
        """Each criterion: an outcome of its kind; missing paths exactly when UNKNOWN, each an
        unknown fact; the reason headed "<id> <outcome words>: "; every view agrees."""
        patient = data.draw(screening_patients(on=on) if use_near else partial_patients())
        assume(patient.birth_date <= on)
        result = check_eligibility(patient, on, protocol=PRESUMING if presume else NCT04822922)
        unknown = set(unknown_paths(patient))
        for r in result.results:
            allowed = {MET, NOT_MET} if r.kind is CriterionKind.INCLUSION else {PRESENT, ABSENT}
            assert r.outcome in allowed | {UNKNOWN}
            assert (r.outcome is UNKNOWN) == bool(r.missing)
            assert set(r.missing) <= unknown
            assert len(set(r.missing)) == len(r.missing)
            assert r.reason.startswith(f"{r.criterion_id} {OUTCOME_WORDS[r.outcome]}: ")
            assert r.to_dict()["reason"] == r.reason
        assert tuple(r.outcome for r in result.results) == result.outcomes
        assert dict(result.outcome_by_criterion) == {
            r.criterion_id: r.outcome for r in result.results
        }
        assert result.explain().splitlines()[1:] == list(result.reasons)

    @given(data=st.data(), on=screening_dates)
    def test_summary_counts_the_outcomes(self, data: Any, on: date) -> None:
        """summarise_screening counts what the results' criteria say (§5)."""
        patients = data.draw(st.lists(partial_patients(), max_size=6))
        results = [check_eligibility(p, max(on, p.birth_date)) for p in patients]
        summary = summarise_screening(results)
        statuses = Counter(r.status for r in results)
        assert dict(summary.by_status) == {s: statuses[s] for s in EligibilityStatus}
        assert summary.screened == len(results)
        failed: Counter[str] = Counter()
        unknown: Counter[str] = Counter()
        for r in results:
            for cid, c in r.criteria.items():
                failed[cid] += c.outcome in {NOT_MET, PRESENT}
                unknown[cid] += c.outcome is UNKNOWN
        assert dict(summary.failed) == {cid: failed[cid] for cid in dict(summary.failed)}
        assert dict(summary.unknown) == {cid: unknown[cid] for cid in dict(summary.unknown)}
        inclusion = sum(any(c.outcome is NOT_MET for c in r.results) for r in results)
        exclusion = sum(any(c.outcome is PRESENT for c in r.results) for r in results)
        assert (summary.not_meeting_inclusion, summary.meeting_exclusion) == (inclusion, exclusion)
        chase = Counter(p for r in results for p in r.missing)
        assert dict(summary.missing_facts) == dict(chase)
        # Consent pending (§5 I3 v2), from the outcomes: incomplete, I3 waiting for a
        # signature, nothing open but I3 and E7; never a screen failure.
        pending = [
            r
            for r in results
            if r.status is EligibilityStatus.INCOMPLETE
            and r.criteria["I3"].missing == ("consent.signed_by",)
            and all(
                c.outcome is not UNKNOWN for cid, c in r.criteria.items() if cid not in {"I3", "E7"}
            )
        ]
        assert summary.consent_pending == len(pending) == sum(r.consent_pending for r in results)
        assert summary.consent_pending <= summary.incomplete

    @given(data=st.data(), on=screening_dates)
    def test_eligible_means_grade_one_or_two_and_age_in_range(self, data: Any, on: date) -> None:
        """ELIGIBLE -> ACLF grade 1-2, age 18-70, chronic liver disease, consent signed."""
        patient = data.draw(screening_patients(on=on, complete=data.draw(st.booleans())))
        if check_eligibility(patient, on).status is EligibilityStatus.ELIGIBLE:
            grade = aclf_grade(patient.labs)
            assert grade in {1, 2} or grade is None  # None: every possible grade is 1 or 2
            assert 18 <= age_years(patient.birth_date, on) <= 70
            assert patient.chronic_liver_disease is True
            assert patient.consent.signed_by in {Signer.PATIENT, Signer.FAMILY}
            if patient.consent.signed_by is Signer.PATIENT:
                assert patient.consent.has_capacity is True  # not presumed (§5 I3 v2)

    @given(patient=partial_patients(), on=screening_dates)
    def test_male_with_unknown_pregnancy_is_absent(self, patient: Patient, on: date) -> None:
        """A male patient: E6 ABSENT, pregnancy and lactation unknown or false (§5; true is
        refused by Patient, v2)."""
        assume(patient.birth_date <= on)
        h = patient.history
        history = attrs.evolve(
            h,
            pregnant=None if h.pregnant else h.pregnant,
            lactating=None if h.lactating else h.lactating,
        )
        male = with_facts(attrs.evolve(patient, history=history), {"sex": Sex.MALE})
        assert outcome(male, "E6", on) is ABSENT

    @given(data=st.data(), on=screening_dates)
    def test_no_signature_is_never_a_screen_failure(self, data: Any, on: date) -> None:
        """Pre-screening (§5 I3 v2): without a signature the patient is INELIGIBLE only for
        another criterion, and I3 is UNKNOWN missing consent.signed_by."""
        patient = data.draw(screening_patients(on=on))
        unsigned = with_facts(patient, {"consent.signed_by": None})
        result = check_eligibility(unsigned, on)
        assert result.criteria["I3"].missing == ("consent.signed_by",)
        if result.status is EligibilityStatus.INELIGIBLE:
            assert any(
                c.outcome in {NOT_MET, PRESENT} for cid, c in result.criteria.items() if cid != "I3"
            )

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
