"""The caller's decimal context never leaks in (SPEC §0 v2 "No ambient state").

``Decimal`` operators read the calling thread's context. A host whose context has ``prec=3``,
traps ``Inexact`` or ``Rounded``, rounds down or has a tiny ``Emax`` must get the very results
the default context gives, and no exception: each public call of the table below is run under
such contexts and compared with its result under the default one. Liver scores
(``aclf_protocol.scores``) are covered by their own module's tests.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import ROUND_DOWN, Context, Decimal, Inexact, Rounded
from typing import Any

import pytest

from aclf_protocol import Labs, Patient, SafetyEvent, cells_per_infusion
from aclf_protocol._exact import EXACT, WIDE, exact
from aclf_protocol.demo import demo_events
from aclf_protocol.dosing import (
    check_release,
    dose_deviation_percent,
    dosing_weight_kg,
    is_dose_within_tolerance,
    total_planned_cells,
    volume_to_draw_ml,
)
from aclf_protocol.eligibility import check_eligibility, screen, summarise_screening
from aclf_protocol.enrolment import enrolment_status, select_expansion_arm
from aclf_protocol.examples import (
    DEMO_ARMS,
    DEMO_CONCENTRATION_CELLS_PER_ML,
    DEMO_SCREENING_DATE,
    DEMO_START,
    patient_records,
)
from aclf_protocol.interchange import decimal_to_json, loads, parse_decimal, parse_int
from aclf_protocol.patient import to_weight_kg
from aclf_protocol.reports import (
    plan_lines,
    plan_record,
    safety_lines,
    screening_lines,
    stop_lines,
)
from aclf_protocol.schedule import build_plan, check_adherence, plan_infusions, record_infusion
from aclf_protocol.sdtm import ae_rows, dm_rows, ex_rows
from aclf_protocol.stop_rules import evaluate_stop_rules

#: Contexts a host thread may have set: each would change or break naive arithmetic.
HOSTILE: dict[str, Context] = {
    "prec=3": Context(prec=3),
    "traps Inexact and Rounded": Context(traps=[Inexact, Rounded]),
    "rounding=ROUND_DOWN": Context(rounding=ROUND_DOWN),
    "Emax=10": Context(Emax=10, Emin=-10),
    "all of them": Context(prec=3, rounding=ROUND_DOWN, Emax=10, Emin=-10, traps=[Inexact]),
}

PATIENTS = [Patient.from_dict(record) for record in patient_records()]
EVENTS = [SafetyEvent.from_dict(record) for record in demo_events()]
ON = date(2021, 10, 20)
#: A concentration whose volumes have many digits before they are rounded to 0.1 mL.
ODD_CONCENTRATION = DEMO_CONCENTRATION_CELLS_PER_ML + Decimal("0.7")


def _plans() -> list[Any]:
    plans = []
    for patient in PATIENTS:
        arm = DEMO_ARMS.get(patient.patient_id)
        if arm is not None:
            plan = plan_infusions(patient, arm, DEMO_START)
            for infusion in plan.infusions[:2]:
                plan = record_infusion(plan, infusion.number, infusion.date)
            plans.append(plan)
    return plans


PLANS = _plans()
#: Stage 1 complete without events (§8): 12 patients of 60 kg, 4 per arm, a day apart.
STAGE1 = [
    build_plan(
        patient_id=f"S1-{k:02d}",
        arm=("low", "medium", "high")[k % 3],
        start=date(2021, 9, 1) + timedelta(k),
        weight_kg=60,
    )
    for k in range(12)
]
AFTER_STAGE1 = date(2021, 12, 1)


def _stop() -> Any:
    return evaluate_stop_rules(PLANS, EVENTS, on=ON)


#: (name, call): each public call, its result made comparable (a dict, a list or a value).
CALLS: list[tuple[str, Callable[[], object]]] = [
    # dosing (§3)
    ("cells_per_infusion", lambda: cells_per_infusion("low", Decimal("70.00000125"))),
    ("cells_per_infusion, high", lambda: cells_per_infusion("high", Decimal("62.5"))),
    ("total_planned_cells", lambda: total_planned_cells("medium", Decimal("81.37"))),
    ("dosing_weight_kg", lambda: dosing_weight_kg(Decimal("120.123456789"))),
    ("volume_to_draw_ml", lambda: volume_to_draw_ml(25_000_000, Decimal("3e6"))),
    ("volume_to_draw_ml, large", lambda: volume_to_draw_ml(10**15, Decimal("1.3"))),
    ("dose_deviation_percent", lambda: dose_deviation_percent(1, 3)),
    ("dose_deviation_percent, large", lambda: dose_deviation_percent(10**15, 7)),
    ("is_dose_within_tolerance", lambda: is_dose_within_tolerance(82_500_000, 75_000_000)),
    ("is_dose_within_tolerance, edge", lambda: is_dose_within_tolerance(82_500_102, 75_000_093)),
    ("check_release", lambda: check_release(90_000_000, 75_000_000, 65.25).to_dict()),
    # interchange (§9)
    ("parse_decimal", lambda: parse_decimal("0.12345678901234567890123456789", "x")),
    ("parse_int", lambda: parse_int(Decimal("1e99"), "x")),
    ("decimal_to_json", lambda: decimal_to_json(Decimal("0.1234567890123456789"))),
    ("decimal_to_json, large", lambda: decimal_to_json(Decimal("1e40"))),
    ("loads", lambda: loads('{"w": 62.123456789012345678901234567890}')),
    # the patient record (§7.1, §9)
    ("to_weight_kg", lambda: to_weight_kg("62.123456789")),
    ("Labs SI", lambda: Labs.from_dict({"bilirubin_umol_l": 356.2, "creatinine_umol_l": 97.24})),
    ("Patient round trip", lambda: [Patient.from_dict(p.to_dict()) for p in PATIENTS]),
    ("Patient.to_dict", lambda: [p.to_dict() for p in PATIENTS]),
    # eligibility (§5)
    (
        "check_eligibility",
        lambda: [check_eligibility(p, DEMO_SCREENING_DATE).to_dict() for p in PATIENTS],
    ),
    ("screen", lambda: [r.to_dict() for r in screen(PATIENTS, DEMO_SCREENING_DATE)]),
    (
        "summarise_screening",
        lambda: summarise_screening(
            check_eligibility(p, DEMO_SCREENING_DATE) for p in PATIENTS
        ).to_dict(),
    ),
    # schedule (§4)
    ("plan_infusions", lambda: [p.to_dict() for p in PLANS]),
    ("build_plan", lambda: build_plan(patient_id="P", weight_kg="62.5", arm="low", start=ON)),
    ("check_adherence", lambda: [check_adherence(p, on=ON).to_dict() for p in PLANS]),
    # stop rules, enrolment (§6, §8)
    ("evaluate_stop_rules", lambda: _stop().to_dict()),
    ("enrolment_status", lambda: enrolment_status(PLANS, EVENTS, ON).to_dict()),
    (  # under prec=3 the two efficacies would tie, and the tie would go to the lower dose
        "select_expansion_arm, near tie",
        lambda: select_expansion_arm(
            STAGE1,
            [],
            {"low": Decimal("0.3331"), "medium": Decimal("0.3334"), "high": 0.25},
            AFTER_STAGE1,
        ).to_dict(),
    ),
    (
        "select_expansion_arm",
        lambda: select_expansion_arm(
            PLANS, EVENTS, {"low": Decimal("0.333"), "medium": 0.5, "high": 1}, ON
        ).to_dict(),
    ),
    # SDTM (§9)
    ("dm_rows", lambda: dm_rows(PATIENTS, PLANS)),
    ("ex_rows", lambda: ex_rows(PLANS)),
    ("ae_rows", lambda: ae_rows(EVENTS, PLANS)),
    # reports
    (
        "plan_record",
        lambda: [
            plan_record(
                p,
                concentration_cells_per_ml=ODD_CONCENTRATION,
                cells_per_container=7_000_000,
            )
            for p in PLANS
        ],
    ),
    (
        "plan_lines",
        lambda: [
            plan_lines(plan_record(p, concentration_cells_per_ml=Decimal("3.3e6"))) for p in PLANS
        ],
    ),
    (
        "screening_lines",
        lambda: [screening_lines(check_eligibility(p, DEMO_SCREENING_DATE)) for p in PATIENTS],
    ),
    ("safety_lines", lambda: safety_lines(_stop())),
    ("stop_lines", lambda: stop_lines(_stop())),
]


def _expected() -> dict[str, object]:
    with decimal.localcontext(Context()):
        return {name: call() for name, call in CALLS}


EXPECTED = _expected()


@pytest.fixture(params=list(HOSTILE), ids=list(HOSTILE))
def hostile(request: pytest.FixtureRequest) -> Iterator[Context]:
    """The calling thread's context set to a hostile one for the test."""
    with decimal.localcontext(HOSTILE[request.param]) as context:
        yield context


class TestNoAmbientContext:
    """§0 v2: every public call gives the default context's result under any caller context."""

    @pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
    def test_same_result_under_a_hostile_context(
        self, hostile: Context, name: str, call: Callable[[], object]
    ) -> None:
        """No exception, the same result; and the caller's context is left as it was."""
        before = (hostile.prec, hostile.rounding, hostile.Emax, dict(hostile.traps))
        assert call() == EXPECTED[name]
        now = decimal.getcontext()
        assert (now.prec, now.rounding, now.Emax, dict(now.traps)) == before

    def test_the_figures_are_the_default_contexts(self) -> None:
        """A few figures, worked by hand: the table compares against the right answers."""
        assert EXPECTED["volume_to_draw_ml"] == Decimal("8.3")
        assert EXPECTED["dose_deviation_percent"] == Decimal("-66.67")
        assert EXPECTED["cells_per_infusion"] == 28_000_001
        assert EXPECTED["volume_to_draw_ml, large"] == Decimal("769230769230769.2")
        assert EXPECTED["select_expansion_arm, near tie"]["arm_id"] == "medium"  # type: ignore[index]


class TestExactDecorator:
    """``_exact.exact`` runs a function, or each step of a generator, under ``EXACT``."""

    def test_a_function_runs_under_exact(self) -> None:
        """Inside: EXACT's precision; outside, the caller's context is untouched."""

        @exact
        def precision() -> int:
            return decimal.getcontext().prec

        with decimal.localcontext(Context(prec=3)):
            assert precision() == EXACT.prec
            assert decimal.getcontext().prec == 3

    def test_the_callers_context_comes_back_after_an_error_and_a_nested_call(self) -> None:
        """An exception or a call from another @exact function leaves the caller's context."""

        @exact
        def inner() -> int:
            return decimal.getcontext().prec

        @exact
        def outer() -> int:
            inner()
            raise ValueError(decimal.getcontext().prec)

        with decimal.localcontext(Context(prec=3)) as mine:
            with pytest.raises(ValueError, match="28"):
                outer()
            assert decimal.getcontext() is mine

    def test_a_generator_runs_under_exact_at_each_step_only(self) -> None:
        """Each item is computed under EXACT; between items the caller has its own context."""

        @exact
        def thirds() -> Iterator[Decimal]:
            for n in (1, 2):
                yield Decimal(n) / 3

        with decimal.localcontext(Context(prec=3, traps=[Inexact])):
            items = thirds()
            first = next(items)
            assert decimal.getcontext().prec == 3
            thirds_exact = [EXACT.divide(Decimal(n), Decimal(3)) for n in (1, 2)]
            assert [first, *items] == thirds_exact

    def test_wide_is_exact_with_more_digits(self) -> None:
        """WIDE differs from EXACT in precision only (dosing quotients, §3.4)."""
        assert WIDE.prec > EXACT.prec
        assert (WIDE.rounding, WIDE.Emax, WIDE.Emin) == (EXACT.rounding, EXACT.Emax, EXACT.Emin)
