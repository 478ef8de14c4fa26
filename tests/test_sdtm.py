"""CDISC SDTM-style DM, EX and AE rows for analysts (SPEC §0, §9).

The expected rows are written out by hand; study days follow the SDTM convention of §0 (Rsdtm
``make_dy``: 2022-01-02, -03, -04 against 2022-01-03 give -1, 1, 2). Every refused argument
names its path, its value and the rule (§0): the class and path are asserted here, the
messages are kept in ``tests/golden/sdtm/refusals.txt``.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    Causality,
    InconsistentRecordError,
    InfusionPlan,
    InvalidValueError,
    Patient,
    SafetyEvent,
    Seriousness,
    Sex,
    evaluate_stop_rules,
    plan_infusions,
)
from aclf_protocol.protocol import DayWindow
from aclf_protocol.safety import EventOutcome, Expectedness
from aclf_protocol.schedule import build_plan, record_infusion
from aclf_protocol.sdtm import ae_rows, dm_rows, ex_rows, ts_rows, usubjid
from tests.fixtures import assert_golden, refusal, unchecked
from tests.strategies import trial_records

RJ1 = Patient(
    patient_id="RJ-001", birth_date=date(1968, 5, 1), sex=Sex.MALE, weight_kg=Decimal("62.5")
)
RJ2 = Patient(patient_id="RJ-002", birth_date=date(2000, 2, 29), sex=Sex.FEMALE, weight_kg=50)
RJ3 = Patient(patient_id="RJ-003", birth_date=date(1980, 7, 15), sex=Sex.MALE, weight_kg=80)


def _given(plan: InfusionPlan, dates: dict[int, date]) -> InfusionPlan:
    for number, when in dates.items():
        plan = record_infusion(plan, number, when)
    return plan


#: RJ-001, high dose from 2021-09-30: infusion 2 a day late (in window), 3 missed.
PLAN1 = _given(
    plan_infusions(RJ1, "high", date(2021, 9, 30)),
    {1: date(2021, 9, 30), 2: date(2021, 10, 4), 4: date(2021, 10, 9)},
)
#: RJ-002, medium dose from 2021-02-28, nothing given yet.
PLAN2 = plan_infusions(RJ2, "medium", date(2021, 2, 28))

#: SPEC §9's example event, and its follow-up report a week later.
SAE1 = SafetyEvent(
    event_id="SAE-001",
    patient_id="RJ-001",
    term="Anaphylactic reaction",
    onset_date=date(2021, 10, 4),
    awareness_date=date(2021, 10, 4),
    seriousness=frozenset({Seriousness.LIFE_THREATENING, Seriousness.HOSPITALISATION}),
    grade=4,
    causality=Causality.PROBABLE,
    expectedness=Expectedness.UNEXPECTED,
    outcome=EventOutcome.RECOVERING,
)
SAE1_FOLLOW_UP = attrs.evolve(
    SAE1, awareness_date=date(2021, 10, 11), outcome=EventOutcome.RECOVERED
)
RASH = SafetyEvent(
    event_id="AE-002",
    patient_id="RJ-001",
    term="Rash",
    onset_date=date(2021, 9, 28),
    awareness_date=date(2021, 9, 30),
    grade=1,
    causality=Causality.UNRELATED,
    outcome=EventOutcome.RECOVERED,
)
DEATH = SafetyEvent(
    event_id="SAE-003",
    patient_id="RJ-002",
    term="Sepsis",
    onset_date=date(2021, 3, 10),
    awareness_date=date(2021, 3, 10),
    seriousness=frozenset({Seriousness.DEATH}),
    grade=5,
    outcome=EventOutcome.FATAL,
)

STUDY = {"STUDYID": "MSC-ACLF-1"}


class TestTsRows:
    """TS: the trial summary, where SDTM names the protocol and its version (§1 v2,
    D-SDTM-TS)."""

    def test_hand_checked_rows(self) -> None:
        rows = ts_rows()
        assert [(r["TSSEQ"], r["TSPARMCD"], r["TSVAL"]) for r in rows] == [
            (1, "TITLE", NCT04822922.title),
            (1, "REGID", "NCT04822922"),
            (1, "PROTVERS", "1.0"),
            (1, "NARMS", "3"),
            (1, "PLANSUB", "16"),
            (1, "AGEMIN", "P18Y"),
            (1, "AGEMAX", "P70Y"),
        ]
        assert all({**STUDY, "DOMAIN": "TS"}.items() <= r.items() for r in rows)
        assert list(rows[0]) == [
            *("STUDYID", "DOMAIN", "TSSEQ", "TSPARMCD", "TSPARM", "TSVAL", "TSVALCD", "TSVCDREF"),
        ]
        assert (rows[1]["TSVALCD"], rows[1]["TSVCDREF"]) == ("NCT04822922", "ClinicalTrials.gov")
        assert all(len(str(r["TSPARMCD"])) <= 8 and len(str(r["TSPARM"])) <= 40 for r in rows)
        assert json.loads(json.dumps(rows)) == rows

    def test_the_amendment_changes_its_rows_only(self) -> None:
        """The example amendment (version 2.0, age limit 75): PROTVERS and AGEMAX change."""
        amended = attrs.evolve(NCT04822922, version="2.0", max_age_years=75)
        changed = [
            (old["TSPARMCD"], old["TSVAL"], new["TSVAL"])
            for old, new in zip(ts_rows(), ts_rows(protocol=amended), strict=True)
            if old != new
        ]
        assert changed == [("PROTVERS", "1.0", "2.0"), ("AGEMAX", "P70Y", "P75Y")]

    def test_only_a_protocol(self) -> None:
        err = refusal(lambda: ts_rows(protocol=unchecked("NCT04822922")))
        assert (err.to_dict()["path"], err.to_dict()["value"]) == ("protocol", "NCT04822922")


class TestDmRows:
    """DM: one row per patient (§9)."""

    def test_hand_checked_rows(self) -> None:
        """Treated, assigned-not-treated and not-assigned patients, written out by hand."""
        rows = dm_rows([RJ3, RJ2, RJ1], [PLAN2, PLAN1])
        assert rows == [
            {
                **STUDY,
                "DOMAIN": "DM",
                "USUBJID": "MSC-ACLF-1-RJ-001",
                "SUBJID": "RJ-001",
                "RFSTDTC": "2021-09-30",
                "RFENDTC": "2021-10-09",
                "RFXSTDTC": "2021-09-30",
                "RFXENDTC": "2021-10-09",
                "SITEID": "RJ",
                "BRTHDTC": "1968-05-01",
                "AGE": 53,
                "AGEU": "YEARS",
                "SEX": "M",
                "ARMCD": "HIGH",
                "ARM": "high dose",
                "ACTARMCD": "HIGH",
                "ACTARM": "high dose",
                "ARMNRS": None,
                "COUNTRY": "CHN",
            },
            {
                **STUDY,
                "DOMAIN": "DM",
                "USUBJID": "MSC-ACLF-1-RJ-002",
                "SUBJID": "RJ-002",
                "RFSTDTC": "2021-02-28",
                "RFENDTC": None,
                "RFXSTDTC": None,
                "RFXENDTC": None,
                "SITEID": "RJ",
                "BRTHDTC": "2000-02-29",
                "AGE": 21,  # §0: born 29 Feb, a year older on 28 Feb
                "AGEU": "YEARS",
                "SEX": "F",
                "ARMCD": "MEDIUM",
                "ARM": "middle dose",
                "ACTARMCD": None,
                "ACTARM": None,
                "ARMNRS": "ASSIGNED, NOT TREATED",
                "COUNTRY": "CHN",
            },
            {
                **STUDY,
                "DOMAIN": "DM",
                "USUBJID": "MSC-ACLF-1-RJ-003",
                "SUBJID": "RJ-003",
                "RFSTDTC": None,
                "RFENDTC": None,
                "RFXSTDTC": None,
                "RFXENDTC": None,
                "SITEID": "RJ",
                "BRTHDTC": "1980-07-15",
                "AGE": None,
                "AGEU": None,
                "SEX": "M",
                "ARMCD": None,
                "ARM": None,
                "ACTARMCD": None,
                "ACTARM": None,
                "ARMNRS": "NOT ASSIGNED",
                "COUNTRY": "CHN",
            },
        ]

    def test_protocol_variant_names_the_study_and_site(self) -> None:
        """STUDYID, SITEID and COUNTRY come from the protocol= argument (§1)."""
        variant = attrs.evolve(NCT04822922, study_id="V-2", site_id="07", country="HKG")
        row = dm_rows([RJ1], [PLAN1], protocol=variant)[0]
        assert (row["STUDYID"], row["USUBJID"], row["SITEID"], row["COUNTRY"]) == (
            "V-2",
            "V-2-RJ-001",
            "07",
            "HKG",
        )


class TestExRows:
    """EX: one row per infusion given (§9, D-SDTM-EXDOSE)."""

    def test_hand_checked_rows(self) -> None:
        """RJ-001 got infusions 1, 2 (a day late) and 4: 75e6 cells each (1.2e6 x 62.5)."""
        common = {
            **STUDY,
            "DOMAIN": "EX",
            "USUBJID": "MSC-ACLF-1-RJ-001",
            "EXTRT": "HUC-MSC",
            "EXDOSE": 75_000_000,
            "EXDOSU": "cells",
            "EXDOSFRM": "SUSPENSION",
            "EXDOSFRQ": "ONCE",
            "EXROUTE": "INTRAVENOUS",
            "EXLOT": None,
            "EPOCH": "TREATMENT",
            "EXPLDOS": 75_000_000,
            "EXDOSSRC": "PLANNED",
        }
        assert ex_rows([PLAN2, PLAN1]) == [
            {
                **common,
                "EXSEQ": 1,
                "EXSPID": "1",
                "VISITNUM": 1,
                "VISIT": "INFUSION 1",
                "EXSTDTC": "2021-09-30",
                "EXENDTC": "2021-09-30",
                "EXSTDY": 1,
                "EXENDY": 1,
            },
            {
                **common,
                "EXSEQ": 2,
                "EXSPID": "2",
                "VISITNUM": 4,
                "VISIT": "INFUSION 2",
                "EXSTDTC": "2021-10-04",
                "EXENDTC": "2021-10-04",
                "EXSTDY": 5,
                "EXENDY": 5,
            },
            {
                **common,
                "EXSEQ": 3,
                "EXSPID": "4",
                "VISITNUM": 10,
                "VISIT": "INFUSION 4",
                "EXSTDTC": "2021-10-09",
                "EXENDTC": "2021-10-09",
                "EXSTDY": 10,
                "EXENDY": 10,
            },
        ]

    def test_sequence_follows_the_dates_given(self) -> None:
        """Infusion 3 given before infusion 2 comes first in EXSEQ; EXSPID keeps the number."""
        plan = _given(
            plan_infusions(RJ2, "low", date(2021, 3, 1)),
            {1: date(2021, 3, 1), 3: date(2021, 3, 3), 2: date(2021, 3, 5)},
        )
        rows = ex_rows([plan])
        assert [(r["EXSEQ"], r["EXSPID"], r["EXSTDY"]) for r in rows] == [
            (1, "1", 1),
            (2, "3", 3),
            (3, "2", 5),
        ]
        assert {r["EXDOSE"] for r in rows} == {20_000_000}  # 4e5 cells/kg x 50 kg

    def test_variant_study_id(self) -> None:
        """§1, §9: USUBJID takes the variant's study id."""
        variant = attrs.evolve(NCT04822922, study_id="V-2")
        assert {r["USUBJID"] for r in ex_rows([PLAN1], protocol=variant)} == {"V-2-RJ-001"}

    def test_visit_of_a_day_the_protocol_does_not_name(self) -> None:
        """§9: Day 3 of a (1, 3) variant plan is VISIT 'DAY 3' under the trial's own days."""
        days = (
            DayWindow(name="Infusion 1", study_day=1),
            DayWindow(name="Infusion 2", study_day=3),
        )
        variant = attrs.evolve(NCT04822922, infusion_days=days)
        plan = build_plan(
            patient_id="RJ-009", weight_kg=60, arm="low", start=date(2021, 10, 1), protocol=variant
        )
        plan = record_infusion(record_infusion(plan, 1, date(2021, 10, 1)), 2, date(2021, 10, 3))
        assert [r["VISIT"] for r in ex_rows([plan])] == ["INFUSION 1", "DAY 3"]
        assert [r["VISIT"] for r in ex_rows([plan], protocol=variant)] == [
            "INFUSION 1",
            "INFUSION 2",
        ]


class TestExWhatWasGiven:
    """EX: EXDOSE is the cells actually given when recorded, else the planned cells, and the
    row says which; EXLOT carries the lot (§4.6, D-SDTM-EX-ACTUAL)."""

    def test_actual_cells_and_lot(self) -> None:
        """RJ-001 infusion 1: 73e6 of 75e6 cells from lot UC-2109-01; infusion 2 unrecorded."""
        plan = record_infusion(
            plan_infusions(RJ1, "high", date(2021, 9, 30)),
            1,
            date(2021, 9, 30),
            cells=73_000_000,
            lot="UC-2109-01",
            viability_percent=91,
        )
        plan = record_infusion(plan, 2, date(2021, 10, 3))
        rows = ex_rows([plan])
        assert [(r["EXDOSE"], r["EXDOSSRC"], r["EXPLDOS"], r["EXLOT"]) for r in rows] == [
            (73_000_000, "ACTUAL", 75_000_000, "UC-2109-01"),
            (75_000_000, "PLANNED", 75_000_000, None),
        ]

    def test_lot_without_cells_keeps_the_planned_dose(self) -> None:
        """§4.6: a lot recorded without the cells: EXDOSE planned, EXLOT the lot."""
        plan = record_infusion(PLAN2, 1, date(2021, 2, 28), lot="UC-7")
        (row,) = ex_rows([plan])
        assert (row["EXDOSE"], row["EXDOSSRC"], row["EXLOT"]) == (40_000_000, "PLANNED", "UC-7")

    def test_variable_order(self) -> None:
        """SDTMIG order: EXLOT after EXROUTE; the supplemental qualifiers after the standard
        variables."""
        (row,) = ex_rows([record_infusion(PLAN2, 1, date(2021, 2, 28))])
        names = list(row)
        assert names[names.index("EXROUTE") + 1] == "EXLOT"
        assert names[-2:] == ["EXPLDOS", "EXDOSSRC"]


class TestAeRows:
    """AE: one row per event, its current version (§6.1, §6.5, §9)."""

    def test_hand_checked_rows(self) -> None:
        """The SPEC example (followed up), a rash before Day 1 and a death, by hand."""
        rows = ae_rows([DEATH, SAE1, RASH, SAE1_FOLLOW_UP], [PLAN1, PLAN2])
        flags_off = dict.fromkeys(
            ["AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESMIE"], "N"
        )
        assert rows == [
            {
                **STUDY,
                "DOMAIN": "AE",
                "USUBJID": "MSC-ACLF-1-RJ-001",
                "AESEQ": 1,
                "AESPID": "AE-002",
                "AETERM": "Rash",
                "AESER": "N",
                "AEREL": "UNRELATED",
                "AEOUT": "RECOVERED/RESOLVED",
                **flags_off,
                "AETOXGR": "1",
                "AESTDTC": "2021-09-28",
                "AESTDY": -2,
            },
            {
                **STUDY,
                "DOMAIN": "AE",
                "USUBJID": "MSC-ACLF-1-RJ-001",
                "AESEQ": 2,
                "AESPID": "SAE-001",
                "AETERM": "Anaphylactic reaction",
                "AESER": "Y",
                "AEREL": "PROBABLE",
                "AEOUT": "RECOVERED/RESOLVED",
                **flags_off,
                "AESHOSP": "Y",
                "AESLIFE": "Y",
                "AETOXGR": "4",
                "AESTDTC": "2021-10-04",
                "AESTDY": 5,
            },
            {
                **STUDY,
                "DOMAIN": "AE",
                "USUBJID": "MSC-ACLF-1-RJ-002",
                "AESEQ": 1,
                "AESPID": "SAE-003",
                "AETERM": "Sepsis",
                "AESER": "Y",
                "AEREL": "NOT ASSESSED",
                "AEOUT": "FATAL",
                **flags_off,
                "AESDTH": "Y",
                "AETOXGR": "5",
                "AESTDTC": "2021-03-10",
                "AESTDY": 11,  # 2021-02-28 is Day 1; 2021 has no 29 Feb
            },
        ]

    @pytest.mark.parametrize(
        ("outcome", "term"),
        [
            (EventOutcome.RECOVERED, "RECOVERED/RESOLVED"),
            (EventOutcome.RECOVERING, "RECOVERING/RESOLVING"),
            (EventOutcome.NOT_RECOVERED, "NOT RECOVERED/NOT RESOLVED"),
            (EventOutcome.RECOVERED_WITH_SEQUELAE, "RECOVERED/RESOLVED WITH SEQUELAE"),
            (EventOutcome.UNKNOWN, "UNKNOWN"),
        ],
    )
    def test_outcome_terms(self, outcome: EventOutcome, term: str) -> None:
        """AEOUT uses the CDISC OUT codelist terms (C66768)."""
        row = ae_rows([attrs.evolve(RASH, outcome=outcome)], [PLAN1])[0]
        assert row["AEOUT"] == term

    @pytest.mark.parametrize("order", ["probable first", "unrelated first"])
    def test_same_day_versions_the_conservative_one_whatever_the_order(self, order: str) -> None:
        """§6.7 v2: two versions known the same day: the row is the one the stop rules count
        (probable, R1), in either input order."""
        unrelated = attrs.evolve(SAE1, causality=Causality.UNRELATED)
        events = [SAE1, unrelated] if order == "probable first" else [unrelated, SAE1]
        assert [r["AEREL"] for r in ae_rows(events, [PLAN1])] == ["PROBABLE"]
        counted = evaluate_stop_rules([PLAN1], events, SAE1.awareness_date).events
        assert [e.causality for e in counted] == [Causality.PROBABLE]

    def test_latest_awareness_wins_whatever_the_input_order(self) -> None:
        """§6.5: the follow-up report (aware 10-11) is current even when given first."""
        rows = ae_rows([SAE1_FOLLOW_UP, SAE1], [PLAN1])
        assert [r["AEOUT"] for r in rows] == ["RECOVERED/RESOLVED"]

    def test_variant_study_id(self) -> None:
        """§1, §9: USUBJID takes the variant's study id."""
        variant = attrs.evolve(NCT04822922, study_id="V-2")
        assert [r["USUBJID"] for r in ae_rows([SAE1], [PLAN1], protocol=variant)] == ["V-2-RJ-001"]


#: Refused arguments: (what, the call, the error class, the path it names).
REFUSALS: list[tuple[str, Callable[[], object], type[InvalidValueError], str]] = [
    (
        "a dict among the plans (§9)",
        lambda: ex_rows(unchecked([{"patient_id": "X"}])),
        InvalidValueError,
        "plans[0]",
    ),
    (
        "two plans for one patient (§6.5)",
        lambda: ex_rows([PLAN1, PLAN1]),
        InconsistentRecordError,
        "plans[1].patient_id",
    ),
    (
        "one plan where the list belongs (§9)",
        lambda: ex_rows(unchecked(PLAN1)),
        InvalidValueError,
        "plans",
    ),
    (
        "a dict among the patients (§9)",
        lambda: dm_rows(unchecked([{"patient_id": "X"}]), []),
        InvalidValueError,
        "patients[0]",
    ),
    (
        "two records for one patient (§9)",
        lambda: dm_rows([RJ1, RJ1], []),
        InconsistentRecordError,
        "patients[1].patient_id",
    ),
    (
        "a plan whose patient is not among the patients (§9)",
        lambda: dm_rows([RJ2], [PLAN2, PLAN1]),
        InvalidValueError,
        "plans[1].patient_id",
    ),
    (
        "an arm outside the protocol (§2)",
        lambda: dm_rows([RJ2], [attrs.evolve(PLAN2, arm_id="huge")]),
        InvalidValueError,
        "plans[0].arm_id",
    ),
    (
        "born after Day 1 (§5)",
        lambda: dm_rows([attrs.evolve(RJ2, birth_date=date(2021, 3, 1))], [PLAN2]),
        InconsistentRecordError,
        "patients[0].birth_date",
    ),
    (
        "a patient id where the patients belong (§9)",
        lambda: dm_rows(unchecked("RJ-001"), []),
        InvalidValueError,
        "patients",
    ),
    (
        "one patient where the list belongs (§9)",
        lambda: dm_rows(unchecked(RJ1), []),
        InvalidValueError,
        "patients",
    ),
    (
        "a number where the patients belong (§9)",
        lambda: dm_rows(unchecked(3), []),
        InvalidValueError,
        "patients",
    ),
    (
        "no patients at all (§9)",
        lambda: dm_rows(unchecked(None), []),
        InvalidValueError,
        "patients",
    ),
    (
        "one plan where DM's plans belong (§9)",
        lambda: dm_rows([RJ1], unchecked(PLAN1)),
        InvalidValueError,
        "plans",
    ),
    (
        "a dict among the events (§6.1)",
        lambda: ae_rows(unchecked([{"event_id": "A"}]), [PLAN1]),
        InvalidValueError,
        "events[0]",
    ),
    (
        "an event without a plan (§6.5)",
        lambda: ae_rows([SAE1], [PLAN2]),
        InvalidValueError,
        "events[0].patient_id",
    ),
    (
        "the second event without a plan (§6.5)",
        lambda: ae_rows([SAE1, DEATH], [PLAN1]),
        InvalidValueError,
        "events[1].patient_id",
    ),
    (
        "one event where the list belongs (§9)",
        lambda: ae_rows(unchecked(SAE1), [PLAN1]),
        InvalidValueError,
        "events",
    ),
]


def _shown(value: object) -> str:
    """A refused value as a golden line shows it: a record by its class, the rest by repr."""
    return f"<{type(value).__name__}>" if attrs.has(type(value)) else repr(value)


class TestSdtmRefusals:
    """§0, §9: each refused argument is a typed error naming its path, its value and the rule."""

    @pytest.mark.parametrize(
        ("call", "kind", "field"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
    )
    def test_class_and_path(
        self, call: Callable[[], object], kind: type[InvalidValueError], field: str
    ) -> None:
        """The error's class and the path it names."""
        err = refusal(call)
        assert isinstance(err, kind)
        assert err.field == field

    def test_messages(self) -> None:
        """Every refusal's class, path, rule and value, one line each."""
        lines = []
        for title, call, _, _ in REFUSALS:
            err = refusal(call)
            assert isinstance(err, InvalidValueError)
            lines.append(
                f"{title}: {type(err).__name__}: {err.field}: {err.rule}; got {_shown(err.value)}\n"
            )
        assert_golden("sdtm/refusals.txt", "".join(lines))


def _json_types(rows: list[dict[str, Any]]) -> set[type]:
    return {type(v) for row in rows for v in row.values()}


class TestSdtmLaws:
    """Laws of the three domains over generated trials (§0, §9)."""

    @given(trial=trial_records())
    def test_one_dm_row_per_patient(
        self, trial: tuple[list[Patient], list[InfusionPlan], list[SafetyEvent]]
    ) -> None:
        """DM has exactly one row per patient, sorted by USUBJID."""
        people, plans, _ = trial
        rows = dm_rows(people, plans)
        ids = [str(r["USUBJID"]) for r in rows]
        assert sorted(ids) == ids == sorted(usubjid(p.patient_id) for p in people)

    @given(trial=trial_records())
    def test_ex_rows_count_and_sequence(
        self, trial: tuple[list[Patient], list[InfusionPlan], list[SafetyEvent]]
    ) -> None:
        """One EX row per infusion given; EXSEQ runs 1..n per subject; EXSTDY is never 0."""
        _, plans, _ = trial
        rows = ex_rows(plans)
        given_count = {
            usubjid(p.patient_id): sum(i.given_date is not None for i in p.infusions) for p in plans
        }
        per_subject = Counter(str(r["USUBJID"]) for r in rows)
        assert {k: v for k, v in given_count.items() if v} == dict(per_subject)
        for subject, count in per_subject.items():
            assert [r["EXSEQ"] for r in rows if r["USUBJID"] == subject] == list(
                range(1, count + 1)
            )
        assert all(r["EXSTDY"] != 0 and r["EXSTDY"] == r["EXENDY"] for r in rows)

    @given(trial=trial_records())
    def test_exdose_is_the_dose_given_when_known(
        self, trial: tuple[list[Patient], list[InfusionPlan], list[SafetyEvent]]
    ) -> None:
        """§4.6: EXDOSE is the cells given if recorded, else EXPLDOS, as EXDOSSRC says."""
        _, plans, _ = trial
        by_number = {(usubjid(p.patient_id), str(i.number)): i for p in plans for i in p.infusions}
        for row in ex_rows(plans):
            infusion = by_number[str(row["USUBJID"]), str(row["EXSPID"])]
            assert row["EXPLDOS"] == infusion.cells
            assert row["EXLOT"] == infusion.lot
            if infusion.cells_given is None:
                assert (row["EXDOSE"], row["EXDOSSRC"]) == (infusion.cells, "PLANNED")
            else:
                assert (row["EXDOSE"], row["EXDOSSRC"]) == (infusion.cells_given, "ACTUAL")

    @given(trial=trial_records())
    def test_study_days_agree_with_dm_reference_date(
        self, trial: tuple[list[Patient], list[InfusionPlan], list[SafetyEvent]]
    ) -> None:
        """§0: an EX or AE date is RFSTDTC + (day - 1) days for day >= 1, + day days before."""
        people, plans, events = trial
        start = {r["USUBJID"]: r["RFSTDTC"] for r in dm_rows(people, plans)}
        dated = [(r["EXSTDTC"], r["EXSTDY"], r["USUBJID"]) for r in ex_rows(plans)]
        dated += [(r["AESTDTC"], r["AESTDY"], r["USUBJID"]) for r in ae_rows(events, plans)]
        for text, day, subject in dated:
            assert isinstance(day, int)
            assert day != 0
            reference = date.fromisoformat(str(start[subject]))
            offset = day - 1 if day > 0 else day
            assert reference + timedelta(days=offset) == date.fromisoformat(str(text))

    @given(trial=trial_records())
    def test_ae_rows_follow_the_events(
        self, trial: tuple[list[Patient], list[InfusionPlan], list[SafetyEvent]]
    ) -> None:
        """One AE row per event; AESTDY < 0 exactly when onset precedes Day 1; AESER matches."""
        _, plans, events = trial
        rows = ae_rows(events, plans)
        assert sorted(str(r["AESPID"]) for r in rows) == sorted(e.event_id for e in events)
        start = {usubjid(p.patient_id): p.start for p in plans}
        by_id = {e.event_id: e for e in events}
        for row in rows:
            event = by_id[str(row["AESPID"])]
            before = event.onset_date < start[str(row["USUBJID"])]
            assert (int(str(row["AESTDY"])) < 0) is before
            assert (row["AESER"] == "Y") is bool(event.seriousness)

    @given(trial=trial_records(), seed=st.randoms(use_true_random=False))
    def test_rows_are_json_and_independent_of_input_order(
        self,
        trial: tuple[list[Patient], list[InfusionPlan], list[SafetyEvent]],
        seed: random.Random,
    ) -> None:
        """Values are str, int or None; shuffled inputs give the same rows."""
        people, plans, events = trial
        rows = [dm_rows(people, plans), ex_rows(plans), ae_rows(events, plans)]
        for domain in rows:
            assert json.loads(json.dumps(domain)) == domain
            assert _json_types(domain) <= {str, int, type(None)}
        people, plans, events = list(people), list(plans), list(events)
        for items in (people, plans, events):
            seed.shuffle(items)
        assert [dm_rows(people, plans), ex_rows(plans), ae_rows(events, plans)] == rows
