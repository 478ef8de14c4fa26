"""The demo of the README's main command, on the protocol and on a variant (§1, §10).

Its text is the product: it is kept in ``tests/golden/demo/demo.txt`` and docs/demo.md must
show it as it is.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import attrs

from aclf_protocol import NCT04822922
from aclf_protocol.demo import demo_events, run_demo
from tests.fixtures import assert_golden

DEMO_PAGE = Path(__file__).parent.parent / "docs" / "demo.md"


def documented_output() -> list[str]:
    """The lines docs/demo.md shows for ``main(["demo"])``, up to its return value ``0``."""
    lines = DEMO_PAGE.read_text(encoding="utf-8").splitlines()
    first = lines.index('>>> main(["demo"])') + 1
    last = lines.index("0", first)
    return [line.replace("<BLANKLINE>", "") for line in lines[first:last]]


class TestDemoText:
    """The report for people at a terminal: cohort, screening, doses, safety scenario."""

    def test_text(self) -> None:
        """§5, §3, §4, §6: every line of the demo, word for word."""
        assert_golden("demo/demo.txt", run_demo().text() + "\n")

    def test_parts(self) -> None:
        """Two head lines, then three numbered parts after a blank line; the rest indented."""
        lines = run_demo().text().split("\n")
        titles = [n for n, line in enumerate(lines) if line[:3] in {"1. ", "2. ", "3. "}]
        assert [lines[n - 1] for n in titles] == ["", "", ""]
        assert titles[0] == 3
        body = [line for n, line in enumerate(lines[3:], 3) if n not in titles and line]
        assert all(line.startswith("  ") for line in body)
        assert lines[-1] != ""

    def test_docs_show_the_real_output(self) -> None:
        """docs/demo.md shows exactly the lines ``aclf-protocol demo`` prints (§10)."""
        assert documented_output() == run_demo().text().split("\n")


def test_json_report_shape() -> None:
    """The JSON report names the protocol (its version too, §1 v2), the screening date and
    each section's records."""
    report = json.loads(json.dumps(run_demo().to_dict()))
    assert report["protocol"] == {
        "nct_id": "NCT04822922",
        "version": "1.0",
        "study_id": "MSC-ACLF-1",
    }
    assert report["screened_on"] == "2021-10-01"
    assert [s["patient_id"] for s in report["screening"]] == [f"RJ-00{n}" for n in range(1, 8)]
    assert [p["patient_id"] for p in report["plans"]] == ["RJ-001", "RJ-002", "RJ-006"]
    assert [s["as_of"] for s in report["safety"]] == ["2021-10-06", "2021-10-08", "2021-10-11"]


def test_events_as_the_site_sends_them() -> None:
    """The scenario: a grade-1 expected fever, then SAE-001 reported twice (§6.5)."""
    events = demo_events()
    assert [(e["event_id"], e["term"], e["grade"]) for e in events] == [
        ("AE-001", "Pyrexia", 1),
        ("SAE-001", "Acute kidney injury", 3),
        ("SAE-001", "Acute kidney injury", 3),
    ]
    assert [e["causality"] for e in events] == ["possible", "not_assessed", "possible"]


def test_a_variant_protocol_reaches_every_step() -> None:
    """An older age limit, a higher low dose and a 2-day sponsor deadline all show (§1)."""
    low = attrs.evolve(NCT04822922.arm("low"), dose_per_kg=500_000)
    arms = (low, *NCT04822922.arms[1:])
    variant = attrs.evolve(
        NCT04822922, max_age_years=75, arms=arms, sae_to_sponsor_days=2, safety_window_months=2
    )
    report = run_demo(protocol=variant)
    statuses = {p.patient_id: r.status.value for p, r in report.screening}
    assert statuses["RJ-005"] == "eligible"  # 72 years old, within 18-75
    low_plan = next(p for p in report.plans if p.arm_id == "low")
    assert low_plan.infusions[0].cells == 34_200_000  # 5e5 cells/kg x 68.4 kg
    sponsor = report.safety[1][1].obligations[0]
    assert sponsor.due == date(2021, 10, 10)  # aware 2021-10-08, + 2 days
    assert report.to_dict()["plans"][0]["safety_window_end"] == "2021-12-02"  # Day 1 + 2 months
