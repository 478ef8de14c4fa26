"""The command line ``aclf-protocol`` end to end (SPEC §10): output, JSON and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import Patient, SafetyEvent, plan_infusions, record_infusion
from aclf_protocol.cli import main
from aclf_protocol.demo import demo_events
from aclf_protocol.examples import patient_records
from tests.strategies import json_values


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``python -m aclf_protocol`` in a subprocess, as a user would."""
    return subprocess.run(  # noqa: PLW1510 - the exit code is what we test
        [sys.executable, "-m", "aclf_protocol", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def call(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """Run ``main`` in-process (same code path, measured by coverage)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def write(path: Path, payload: Any, *, lines: bool = False) -> str:
    """Write JSON (or JSON lines) and return the path as a string."""
    if lines:
        path.write_text("\n".join(json.dumps(p) for p in payload) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


RECORDS = patient_records()
ELIGIBLE = RECORDS[0]  # RJ-001, SPEC §9's example


class TestSubprocess:
    """The real console entry point: exit codes, streams, no tracebacks."""

    def test_demo(self) -> None:
        """`demo` screens, plans, doses and runs the safety scenario; exit 0."""
        done = run("demo")
        assert done.returncode == 0, done.stderr
        assert "RJ-001: ELIGIBLE" in done.stdout
        assert "RJ-004: INELIGIBLE" in done.stdout
        assert "75,000,000 cells" in done.stdout
        assert "TERMINATE" in done.stdout
        assert done.stderr == ""

    def test_screen_eligible_file(self, tmp_path: Path) -> None:
        """One eligible record: exit 0, every criterion with its reason."""
        done = run("screen", write(tmp_path / "p.json", ELIGIBLE), "--on", "2021-10-01")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("RJ-001: ELIGIBLE")
        for criterion in ("I1", "I2", "I3", "E1", "E7"):
            assert f"  {criterion} " in done.stdout

    def test_screen_stdin_json_lines(self) -> None:
        """`-` reads JSON lines from stdin; --json prints one object per patient; exit 1."""
        stdin = "\n".join(json.dumps(r) for r in RECORDS)
        done = run("screen", "-", "--on", "2021-10-01", "--json", stdin=stdin)
        assert done.returncode == 1
        rows = [json.loads(line) for line in done.stdout.splitlines()]
        assert [(r["patient_id"], r["status"]) for r in rows] == [
            ("RJ-001", "eligible"),
            ("RJ-002", "eligible"),
            ("RJ-003", "incomplete"),
            ("RJ-004", "ineligible"),
            ("RJ-005", "ineligible"),
            ("RJ-006", "eligible"),
        ]

    def test_bad_record_is_one_line_per_problem(self, tmp_path: Path) -> None:
        """Exit 2, each problem on its own stderr line with the file and path, no traceback."""
        bad = {**ELIGIBLE, "weight_kg": 0, "labs": {**ELIGIBLE["labs"], "inr": "high"}}
        done = run("screen", write(tmp_path / "bad.json", bad), "--on", "2021-10-01")
        assert done.returncode == 2
        lines = done.stderr.splitlines()
        assert len(lines) == 2
        assert any("weight_kg: must be > 0" in line for line in lines)
        assert any("labs.inr:" in line for line in lines)
        assert "Traceback" not in done.stderr

    def test_plan(self) -> None:
        """`plan` prints the calendar with cells and volumes."""
        done = run(
            "plan",
            "--arm",
            "high",
            "--weight",
            "62.5",
            "--start",
            "2021-09-30",
            "--concentration",
            "2e6",
        )
        assert done.returncode == 0, done.stderr
        assert "2021-10-09" in done.stdout
        assert "75,000,000 cells" in done.stdout
        assert "37.5 mL" in done.stdout

    def test_usage_error(self) -> None:
        """A bad date is a usage error: one line, exit 2."""
        done = run("plan", "--arm", "low", "--weight", "60", "--start", "30/09/2021")
        assert done.returncode == 2
        assert len(done.stderr.splitlines()) == 1
        assert "Traceback" not in done.stderr


class TestScreen:
    """`screen FILE... [--on DATE]` (§10)."""

    def test_array_and_json_output(self, tmp_path: Path) -> None:
        """A JSON array screens each record; --json objects carry status and criteria."""
        code, out, err = call(
            "screen", write(tmp_path / "all.json", RECORDS), "--on", "2021-10-01", "--json"
        )
        assert (code, err) == (1, "")
        first = json.loads(out.splitlines()[0])
        assert first["status"] == "eligible"
        assert first["criteria"]["I2"]["outcome"] == "met"

    def test_incomplete_names_missing_facts(self, tmp_path: Path) -> None:
        """An incomplete patient exits 1 and lists what is still needed."""
        code, out, _ = call("screen", write(tmp_path / "p.json", RECORDS[2]), "--on", "2021-10-01")
        assert code == 1
        assert "INCOMPLETE" in out
        assert "history.hiv" in out

    def test_several_files(self, tmp_path: Path) -> None:
        """Several files are screened in order."""
        a = write(tmp_path / "a.json", RECORDS[0])
        b = write(tmp_path / "b.jsonl", RECORDS[1:2], lines=True)
        code, out, _ = call("screen", a, b, "--on", "2021-10-01")
        assert code == 0
        assert out.index("RJ-001") < out.index("RJ-002")

    def test_missing_file_and_bad_json(self, tmp_path: Path) -> None:
        """Unreadable files and invalid JSON are bad input, exit 2."""
        code, _, err = call("screen", str(tmp_path / "nope.json"))
        assert code == 2
        assert "cannot read file" in err
        bad = tmp_path / "bad.json"
        bad.write_text('{"patient_id": \n nope', encoding="utf-8")
        code, _, err = call("screen", str(bad), "--on", "2021-10-01")
        assert code == 2
        assert "not valid JSON" in err
        empty = tmp_path / "empty.json"
        empty.write_text("\n", encoding="utf-8")
        assert call("screen", str(empty))[0] == 2

    def test_nan_is_refused(self) -> None:
        """NaN is not a lab value, even though Python's json would read it."""
        record = json.dumps(ELIGIBLE).replace('"inr": 2.6', '"inr": NaN')
        code, _, err = call("screen", "-", "--on", "2021-10-01", stdin=record)
        assert code == 2
        assert "NaN" in err

    def test_birth_after_screening(self) -> None:
        """A birth date after the screening date is bad input (§5)."""
        code, _, err = call("screen", "-", "--on", "1960-01-01", stdin=json.dumps(ELIGIBLE))
        assert code == 2
        assert "birth_date" in err

    def test_default_date_is_today(self) -> None:
        """Without --on the CLI screens as of today (RJ-001 is older than 18 today)."""
        code, out, _ = call("screen", "-", "--json", stdin=json.dumps(ELIGIBLE))
        assert code in {0, 1}
        assert json.loads(out)["on"] == date.today().isoformat()  # noqa: DTZ011


class TestPlan:
    """`plan --arm ARM (--weight KG | --patient FILE) --start DATE` (§10)."""

    def test_json_calendar(self) -> None:
        """--json gives the plan record with visits and the safety window end."""
        code, out, _ = call(
            "plan", "--arm", "low", "--weight", "50", "--start", "2021-09-30", "--json"
        )
        assert code == 0
        record = json.loads(out)
        assert [i["date"] for i in record["infusions"]] == [
            "2021-09-30",
            "2021-10-03",
            "2021-10-06",
            "2021-10-09",
        ]
        assert record["total_cells"] == 80_000_000
        assert record["safety_window_end"] == "2021-10-30"
        assert record["follow_up_visits"][0]["date"] == "2021-10-13"

    def test_from_patient_file(self, tmp_path: Path) -> None:
        """--patient reads the baseline weight and id from a record."""
        path = write(tmp_path / "p.json", ELIGIBLE)
        code, out, _ = call("plan", "--arm", "high", "--patient", path, "--start", "2021-09-30")
        assert code == 0
        assert out.startswith("RJ-001: arm high, baseline weight 62.5 kg")

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--arm", "low", "--weight", "0", "--start", "2021-09-30"], "weight_kg"),
            (["--arm", "low", "--weight", "abc", "--start", "2021-09-30"], "--weight"),
            (["--arm", "max", "--weight", "60", "--start", "2021-09-30"], "arm"),
            (["--arm", "low", "--start", "2021-09-30"], "--weight"),
            (
                ["--arm", "low", "--weight", "60", "--start", "2021-09-30", "--concentration", "0"],
                "--concentration",
            ),
        ],
    )
    def test_bad_input(self, args: list[str], message: str) -> None:
        """Each bad argument is exit 2 with one line naming it."""
        code, out, err = call("plan", *args)
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1
        assert message in err

    def test_patient_file_with_two_records(self, tmp_path: Path) -> None:
        """--patient needs exactly one record."""
        path = write(tmp_path / "two.json", RECORDS[:2])
        code, _, err = call("plan", "--arm", "low", "--patient", path, "--start", "2021-09-30")
        assert code == 2
        assert "exactly one" in err


class TestStopCheck:
    """`stop-check --plans FILE --events FILE --on DATE` (§10)."""

    @staticmethod
    def files(tmp_path: Path, events: list[dict[str, Any]]) -> tuple[str, str]:
        """Plans for RJ-001 and RJ-002 (first two infusions given) and the events."""
        plans = []
        for record in RECORDS[:2]:
            plan = plan_infusions(Patient.from_dict(record), "medium", date(2021, 10, 2))
            plan = record_infusion(plan, 1, date(2021, 10, 2))
            plans.append(record_infusion(plan, 2, date(2021, 10, 5)).to_dict())
        return write(tmp_path / "plans.json", plans), write(
            tmp_path / "events.jsonl", events, lines=True
        )

    def test_terminate(self, tmp_path: Path) -> None:
        """The demo's events terminate the study as of 2021-10-11: exit 1."""
        plans, events = self.files(tmp_path, demo_events())
        code, out, _ = call(
            "stop-check", "--plans", plans, "--events", events, "--on", "2021-10-11"
        )
        assert code == 1
        assert out.startswith("study decision as of 2021-10-11: TERMINATE")
        assert "R1: SAE-001 (RJ-002)" in out
        assert "OVERDUE" in out

    def test_continue_json(self, tmp_path: Path) -> None:
        """Before the serious event the study continues: exit 0, JSON decision."""
        plans, events = self.files(tmp_path, demo_events())
        code, out, _ = call(
            "stop-check", "--plans", plans, "--events", events, "--on", "2021-10-06", "--json"
        )
        assert code == 0
        assert json.loads(out)["decision"] == "continue"

    def test_suspend(self, tmp_path: Path) -> None:
        """A serious event not yet assessed suspends (R2): exit 1."""
        plans, events = self.files(tmp_path, demo_events()[:2])
        code, out, _ = call(
            "stop-check", "--plans", plans, "--events", events, "--on", "2021-10-08"
        )
        assert code == 1
        assert "SUSPEND" in out
        assert "on hold" in out

    def test_event_without_plan(self, tmp_path: Path) -> None:
        """An event for a patient without a plan is bad input (§6.5): exit 2."""
        stray = {**demo_events()[1], "patient_id": "RJ-999"}
        plans, events = self.files(tmp_path, [stray])
        code, _, err = call(
            "stop-check", "--plans", plans, "--events", events, "--on", "2021-10-11"
        )
        assert code == 2
        assert "RJ-999" in err

    def test_bad_event_and_plan_records(self, tmp_path: Path) -> None:
        """Bad records in both files are all reported."""
        bad_event = {**demo_events()[1], "grade": 9}
        _plans, events = self.files(tmp_path, [bad_event])
        broken = write(tmp_path / "broken.json", [{"patient_id": "X"}])
        code, _, err = call(
            "stop-check", "--plans", broken, "--events", events, "--on", "2021-10-11"
        )
        assert code == 2
        assert "grade" in err
        assert "arm_id" in err
        assert SafetyEvent.from_dict(demo_events()[1]).grade == 3


class TestUsage:
    """Usage errors and help."""

    def test_no_command(self) -> None:
        """No sub-command: exit 2, one line."""
        code, _, err = call()
        assert code == 2
        assert len(err.splitlines()) == 1

    def test_help(self) -> None:
        """--help exits 0."""
        assert call("--help")[0] == 0

    def test_demo_json(self) -> None:
        """demo --json is one JSON document with screening, plans and safety."""
        code, out, _ = call("demo", "--json")
        assert code == 0
        report = json.loads(out)
        assert {"screening", "plans", "safety"} <= set(report)
        assert [s["decision"] for s in report["safety"]] == ["continue", "suspend", "terminate"]


class TestEntryPoints:
    """The demo's text and ``python -m aclf_protocol`` in-process."""

    def test_demo_text(self) -> None:
        """The demo prints the three parts: screening, plans, safety."""
        code, out, _ = call("demo")
        assert code == 0
        assert "1. Screening on 2021-10-01" in out
        assert "2. Plans and doses" in out
        assert "3. Safety scenario" in out
        assert "still needed: history.hiv" in out

    def test_module_entry_point(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """``python -m aclf_protocol`` exits with main()'s code."""
        import runpy

        monkeypatch.setattr(sys, "argv", ["aclf-protocol", "plan"])
        with pytest.raises(SystemExit) as exit_:
            runpy.run_module("aclf_protocol", run_name="__main__")
        assert exit_.value.code == 2

    def test_bad_screening_date(self) -> None:
        """--on must be an ISO date."""
        code, _, err = call("screen", "-", "--on", "01/10/2021", stdin="{}")
        assert code == 2
        assert "ISO 8601" in err


class TestCliFuzz:
    """§10: arbitrary input never escapes as anything but a clean exit code."""

    @given(payload=json_values, splice=st.booleans())
    @example(payload=float("nan"), splice=True)
    @example(payload={"labs": [1]}, splice=False)
    def test_screen_survives_any_json(self, payload: Any, splice: bool) -> None:
        """`screen -` on any JSON (alone or spliced into a record) exits 0, 1 or 2; a 2 says
        why on stderr, one line per problem, and nothing raises."""
        record = {**ELIGIBLE, "labs": payload} if splice else payload
        text = json.dumps(record, default=str)
        code, out, err = call("screen", "-", "--on", "2021-10-01", stdin=text)
        assert code in {0, 1, 2}
        if code == 2:
            assert err
            assert out == ""
            assert all(line.startswith("aclf-protocol: ") for line in err.splitlines())
        else:
            assert err == ""

    @given(text=st.text(max_size=60))
    def test_screen_survives_any_text(self, text: str) -> None:
        """Not even JSON: a clean exit 2 (or a screened record, if the text happens to be)."""
        code, _, err = call("screen", "-", "--on", "2021-10-01", stdin=text)
        assert code in {0, 1, 2}
        assert "Traceback" not in err

    @given(plans=json_values, events=json_values)
    def test_stop_check_survives_any_json(
        self, tmp_path_factory: pytest.TempPathFactory, plans: Any, events: Any
    ) -> None:
        """`stop-check` on any JSON files exits 0, 1 or 2 without raising."""
        folder = tmp_path_factory.mktemp("fuzz")
        plans_path = write(folder / "plans.json", plans)
        events_path = write(folder / "events.json", events)
        code, _, _ = call(
            "stop-check", "--plans", plans_path, "--events", events_path, "--on", "2021-10-11"
        )
        assert code in {0, 1, 2}


class TestSchemaCommand:
    """`schema NAME` prints the published JSON Schema for integrators without Python (§9)."""

    @pytest.mark.parametrize("record", ["patient", "safety-event", "infusion-plan"])
    def test_prints_the_committed_schema(self, record: str) -> None:
        """The output is byte for byte the file in docs/schema/."""
        code, out, _ = call("schema", record)
        assert code == 0
        committed = Path(__file__).parent.parent / "docs" / "schema" / f"{record}.schema.json"
        assert out == committed.read_text(encoding="utf-8")

    def test_schema_validates_the_spec_record(self) -> None:
        """The printed patient schema accepts SPEC §9's record and refuses a zero weight."""
        import jsonschema

        schema = json.loads(call("schema", "patient")[1])
        jsonschema.validate(ELIGIBLE, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**ELIGIBLE, "weight_kg": 0}, schema)

    def test_unknown_record(self) -> None:
        """An unknown record name is a usage error."""
        code, _, err = call("schema", "labs")
        assert code == 2
        assert "invalid choice" in err


class TestDemoOutput:
    """The README's main command prints exactly what docs/demo.md shows (§10)."""

    def test_demo_text_matches_the_documented_output(self) -> None:
        """Every line of the demo, as documented: cohort, screening, doses, safety scenario."""
        page = (Path(__file__).parent.parent / "docs" / "demo.md").read_text(encoding="utf-8")
        block = page.split('>>> main(["demo"])\n', 1)[1].split("\n0\n", 1)[0]
        documented = block.replace("<BLANKLINE>", "") + "\n"
        code, out, _ = call("demo")
        assert code == 0
        assert out == documented


class TestBareProtocolError:
    """A ProtocolError without field problems still prints as one line, exit 2 (§10)."""

    def test_bare_error_is_one_line(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Its message is printed after the program name, nothing else."""
        from aclf_protocol import ProtocolError
        from aclf_protocol import demo as demo_module

        def broken() -> None:
            raise ProtocolError("the demo cohort could not be read")

        monkeypatch.setattr(demo_module, "run_demo", broken)
        code, out, err = call("demo")
        assert (code, out) == (2, "")
        assert err == "aclf-protocol: the demo cohort could not be read\n"
