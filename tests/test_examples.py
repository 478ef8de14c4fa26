"""The built-in example cohort is what its docstring table says (docs, demo, README).

Each example patient's screening, every criterion's reason, is kept in
``tests/golden/examples/screening.txt`` (the sentences are the product).
"""

from __future__ import annotations

import pytest

from aclf_protocol import Outcome, Patient, aclf_grade, check_eligibility, clif_c_of, meld
from aclf_protocol.examples import patient_records
from aclf_protocol.patient import Signer
from aclf_protocol.scores import meld_details, possible_aclf_grades
from tests.fixtures import ON, assert_golden


def cohort() -> dict[str, Patient]:
    """The example patients by id, read afresh in each test."""
    return {r["patient_id"]: Patient.from_dict(r) for r in patient_records()}


# Hand-worked from the §7.2 table and the §7.6 formula (ln by calculator):
# RJ-001 bili 14.2 (3) Cr 1.1 (1) INR 2.6 (3), rest 1: OF 10, liver + coagulation: grade 2;
#   MELD(i) 0.957 ln 1.1 + 0.378 ln 14.2 + 1.120 ln 2.6 + 0.643 = 2.8073 -> 28.
# RJ-002 bili 5.1 (1) Cr 2.3 (2, kidney failure alone) INR 1.8 (1): OF 7, grade 1;
#   0.957 ln 2.3 + 0.378 ln 5.1 + 1.120 ln 1.8 + 0.643 = 2.7143 -> 27.
# RJ-004 bili 18.5 (3) Cr 2.4 (2) INR 2.9 (3): OF 11, three failures: grade 3;
#   0.957 ln 2.4 + 0.378 ln 18.5 + 1.120 ln 2.9 + 0.643 = 3.7762 -> 38.
# RJ-005 bili 13.1 (3) Cr 1.0 (1) INR 2.7 (3): OF 10, grade 2;
#   0.378 ln 13.1 + 1.120 ln 2.7 + 0.643 = 2.7279 -> 27.
# RJ-006 bili 230.9/17.1 = 13.50 (3) Cr 141.4/88.4 = 1.600 (1) INR 1.4 (1): OF 8; one liver
#   failure with 1.5 <= Cr < 2: grade 1; 0.957 ln 1.5995 + 0.378 ln 13.503 + 1.120 ln 1.4
#   + 0.643 = 2.4533 -> 25.
SCORES = {
    "RJ-001": (10, 2, 28, "2.8073"),
    "RJ-002": (7, 1, 27, "2.7143"),
    "RJ-004": (11, 3, 38, "3.7762"),
    "RJ-005": (10, 2, 27, "2.7279"),
    "RJ-006": (8, 1, 25, "2.4533"),
}


@pytest.mark.parametrize("patient_id", sorted(SCORES))
def test_scores_by_hand(patient_id: str) -> None:
    """CLIF-C OF, ACLF grade, MELD and the MELD(i) sum of each complete example (§7)."""
    labs = cohort()[patient_id].labs
    of, grade, meld_score, meld_sum = SCORES[patient_id]
    assert (clif_c_of(labs), aclf_grade(labs), meld(labs)) == (of, grade, meld_score)
    assert meld_details(labs).to_dict()["steps"]["MELD(i) sum (+ 0.643)"] == meld_sum


def test_rj003_is_open_only_on_the_inr() -> None:
    """RJ-003: liver failure, creatinine 1.7, INR unknown: grade 1 or 2, no OF, no MELD (§7.4)."""
    labs = cohort()["RJ-003"].labs
    assert (clif_c_of(labs), aclf_grade(labs), meld(labs)) == (None, None, None)
    assert possible_aclf_grades(labs) == frozenset({1, 2})


def test_rj002_family_consent_for_a_patient_without_capacity() -> None:
    """RJ-002: the family signs because the patient cannot judge (§5 I3, E7)."""
    consent = cohort()["RJ-002"].consent
    assert (consent.signed_by, consent.has_capacity, consent.adult_family_available) == (
        Signer.FAMILY,
        False,
        True,
    )
    result = check_eligibility(cohort()["RJ-002"], ON)
    assert result.criteria["I3"].outcome is Outcome.MET
    assert result.criteria["E7"].outcome is Outcome.ABSENT


def test_screening_of_every_example() -> None:
    """§5: each example's status, every criterion's reason, what is still needed."""
    lines = []
    for patient_id, patient in cohort().items():
        result = check_eligibility(patient, ON)
        lines.append(f"{patient_id}: {result.status.value}")
        lines += [f"  {c.reason}" for c in result.criteria.values()]
        lines += [f"  still needed: {path}" for path in result.missing]
    assert_golden("examples/screening.txt", "".join(f"{line}\n" for line in lines))
