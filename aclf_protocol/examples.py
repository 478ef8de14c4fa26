"""Built-in example cohort for the demo, the docs and the tests (SPEC §9 record shape).

Fictional patients, chosen so that each path of screening shows once:

========  ================================================================  ============
id        what it shows                                                     screened as
========  ================================================================  ============
RJ-001    SPEC §9's example: liver + coagulation failure, ACLF grade 2      eligible
RJ-002    kidney failure alone (grade 1); family signs for a patient        eligible
          without capacity
RJ-003    liver failure, creatinine 1.7, INR unknown (grade 1 or 2 either   incomplete
          way, so I2 is met) but HIV status not yet known
RJ-004    three organ failures (grade 3) and GI bleeding two weeks ago      ineligible
RJ-005    72 years old                                                      ineligible
RJ-006    liver failure with creatinine 1.6 (grade 1), SI units from the    eligible
          laboratory
RJ-007    pre-screened before consent was asked (§5 I3): liver and          incomplete,
          coagulation failure (grade 2), clean history, no weight yet       consent
          (§9: screening does not need it)                                  pending
========  ================================================================  ============

>>> [r["patient_id"] for r in patient_records()]
['RJ-001', 'RJ-002', 'RJ-003', 'RJ-004', 'RJ-005', 'RJ-006', 'RJ-007']
"""

from __future__ import annotations

from datetime import date
from typing import Any

__all__ = [
    "DEMO_ARMS",
    "DEMO_CONCENTRATION_CELLS_PER_ML",
    "DEMO_SCREENING_DATE",
    "DEMO_START",
    "patient_records",
]

#: Screening date of the demo (the record's estimated study start is 2021-09-30).
DEMO_SCREENING_DATE = date(2021, 10, 1)
#: Enrolment date (Day 1) of the eligible demo patients.
DEMO_START = date(2021, 10, 2)
#: The arm each eligible demo patient is enrolled into.
DEMO_ARMS = {"RJ-001": "high", "RJ-002": "medium", "RJ-006": "low"}
#: A product concentration for the pharmacy part of the demo (cells/mL).
DEMO_CONCENTRATION_CELLS_PER_ML = 2_000_000

_CLEAN_HISTORY: dict[str, Any] = {
    "artificial_liver_planned": False,
    "prior_liver_transplant": False,
    "prior_stem_cell_therapy": False,
    "malignancy": False,
    "imaging_suspected_liver_malignancy": False,
    "tuberculosis": False,
    "severe_autoimmune_disease": False,
    "severe_cardiopulmonary_insufficiency": False,
    "immunosuppressive_therapy": False,
    "hiv": False,
    "substance_addiction": False,
    "last_drug_trial": "never",
    "last_gi_bleeding": "never",
    "last_serious_infection": "never",
    "pregnant": None,
    "lactating": None,
}

_NORMAL_LABS: dict[str, Any] = {
    "bilirubin_mg_dl": 3.2,
    "creatinine_mg_dl": 1.0,
    "inr": 1.4,
    "he_grade": 0,
    "map_mmhg": 82,
    "vasopressors": False,
    "pao2_fio2": 380,
    "spo2_fio2": None,
    "mechanical_ventilation": False,
    "renal_replacement": False,
    "wbc_10e9_l": 7.0,
    "sodium_mmol_l": 136,
    "albumin_g_dl": 3.1,
}

_PATIENT_CONSENT = {"signed_by": "patient", "has_capacity": True, "adult_family_available": True}


def _record(
    patient_id: str,
    birth_date: str,
    sex: str,
    weight_kg: str | None,
    *,
    labs: dict[str, Any],
    history: dict[str, Any] | None = None,
    consent: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "birth_date": birth_date,
        "sex": sex,
        "weight_kg": weight_kg,
        "chronic_liver_disease": True,
        "labs": {**_NORMAL_LABS, **labs},
        "history": {**_CLEAN_HISTORY, **(history or {})},
        "consent": consent or dict(_PATIENT_CONSENT),
    }


def _records() -> tuple[dict[str, Any], ...]:
    """The cohort, built afresh at each call (so callers may mutate what they get)."""
    return (
        # SPEC §9's example record, verbatim in substance.
        _record(
            "RJ-001",
            "1968-05-01",
            "male",
            "62.5",
            labs={
                "bilirubin_mg_dl": 14.2,
                "creatinine_mg_dl": 1.1,
                "inr": 2.6,
                "map_mmhg": 78,
                "pao2_fio2": 350,
                "wbc_10e9_l": 8.1,
                "sodium_mmol_l": 134,
                "albumin_g_dl": 2.9,
            },
            history={"last_gi_bleeding": "2021-03-02"},
        ),
        _record(
            "RJ-002",
            "1975-11-20",
            "female",
            "55.0",
            labs={"creatinine_mg_dl": 2.3, "inr": 1.8, "bilirubin_mg_dl": 5.1},
            history={"pregnant": False, "lactating": False},
            consent={"signed_by": "family", "has_capacity": False, "adult_family_available": True},
        ),
        _record(
            "RJ-003",
            "1980-02-29",
            "male",
            "71.3",
            labs={"bilirubin_mg_dl": 15.0, "creatinine_mg_dl": 1.7, "inr": None},
            history={"hiv": None},
        ),
        _record(
            "RJ-004",
            "1962-07-15",
            "male",
            "80",
            labs={"bilirubin_mg_dl": 18.5, "creatinine_mg_dl": 2.4, "inr": 2.9},
            history={"last_gi_bleeding": "2021-09-17"},
        ),
        _record(
            "RJ-005",
            "1949-03-03",
            "female",
            "58.2",
            labs={"bilirubin_mg_dl": 13.1, "inr": 2.7},
            history={"pregnant": False, "lactating": False},
        ),
        _record(
            "RJ-006",
            "1990-06-30",
            "male",
            "68.4",
            labs={
                "bilirubin_mg_dl": None,
                "bilirubin_umol_l": 230.9,
                "creatinine_mg_dl": None,
                "creatinine_umol_l": 141.4,
                "albumin_g_dl": None,
                "albumin_g_l": 30,
            },
        ),
        # Pre-screened on the clinical facts; consent not yet asked, not yet weighed.
        _record(
            "RJ-007",
            "1972-08-14",
            "female",
            None,
            labs={"bilirubin_mg_dl": 13.4, "creatinine_mg_dl": 1.2, "inr": 2.7},
            history={"pregnant": False, "lactating": False},
            consent={"signed_by": None, "has_capacity": None, "adult_family_available": None},
        ),
    )


def patient_records() -> list[dict[str, Any]]:
    """The example cohort as fresh JSON-compatible patient records (§9); safe to mutate."""
    return list(_records())
