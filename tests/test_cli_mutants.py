"""The command line's exact texts (SPEC §10): help, usage, bad-input lines, `where` labels.

Written from the mutation survivors of ``aclf_protocol/cli.py`` (issue #6). Every expected
text below was read off a run, reviewed by hand against §10 and pinned word for word.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from aclf_protocol.cli import main
from aclf_protocol.demo import demo_events
from tests import test_cli
from tests.test_cli import ELIGIBLE, RECORDS, call, write

P = "aclf-protocol: "
START = ["--start", "2021-09-30"]


@pytest.fixture(autouse=True)
def _columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """argparse wraps help at $COLUMNS: fix it for stable texts."""
    monkeypatch.setenv("COLUMNS", "100")


def help_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The help text argparse prints (to sys.stdout) for *args*; exit code must be 0."""
    assert call(*args, "--help") == (0, "", "")
    return capsys.readouterr().out


TOP_HELP = """\
usage: aclf-protocol [-h] {demo,screen,plan,stop-check,schema} ...

Trial NCT04822922 (UC-MSC for ACLF): screening, dosing, schedules, safety.

positional arguments:
  {demo,screen,plan,stop-check,schema}
    demo                run the built-in example cohort
    screen              screen patient records (§5)
    plan                infusion calendar and cells (§3, §4)
    stop-check          evaluate stop rules (§6)
    schema              print the JSON Schema of a record, to validate before calling (§9)

options:
  -h, --help            show this help message and exit

Exit codes: 0 success; 1 negative answer (ineligible/incomplete patient, suspend/terminate); 2 bad
input or usage.
"""

DEMO_HELP = """\
usage: aclf-protocol demo [-h] [--json]

options:
  -h, --help  show this help message and exit
  --json      machine-readable JSON output
"""

SCREEN_HELP = """\
usage: aclf-protocol screen [-h] [--json] [--on ON] FILE [FILE ...]

positional arguments:
  FILE        JSON, JSON array or JSON lines; - for stdin

options:
  -h, --help  show this help message and exit
  --json      machine-readable JSON output
  --on ON     screening date YYYY-MM-DD (default: today)
"""

PLAN_HELP = """\
usage: aclf-protocol plan [-h] [--json] --arm ARM (--weight KG | --patient FILE)
                          [--patient-id PATIENT_ID] --start START [--concentration CELLS_PER_ML]

options:
  -h, --help            show this help message and exit
  --json                machine-readable JSON output
  --arm ARM             low, medium or high
  --weight KG           baseline weight in kg
  --patient FILE        a patient record (JSON); - for stdin
  --patient-id PATIENT_ID
                        id for --weight plans
  --start START         Day 1 = first infusion
  --concentration CELLS_PER_ML
                        product concentration
"""

STOP_HELP = """\
usage: aclf-protocol stop-check [-h] [--json] --plans FILE --events FILE --on ON

options:
  -h, --help     show this help message and exit
  --json         machine-readable JSON output
  --plans FILE   infusion plan records
  --events FILE  safety event records
  --on ON        evaluate as of YYYY-MM-DD
"""

SCHEMA_HELP = """\
usage: aclf-protocol schema [-h] {patient,safety-event,infusion-plan}

positional arguments:
  {patient,safety-event,infusion-plan}

options:
  -h, --help            show this help message and exit
"""

PLAN_60_LOW = """\
PATIENT: arm low, baseline weight 60 kg, Day 1 = 2021-09-30, 96,000,000 cells in all
  #1 day  1 2021-09-30 (window 2021-09-30..2021-09-30)    24,000,000 cells{v}
  #2 day  4 2021-10-03 (window 2021-10-02..2021-10-04)    24,000,000 cells{v}
  #3 day  7 2021-10-06 (window 2021-10-05..2021-10-07)    24,000,000 cells{v}
  #4 day 10 2021-10-09 (window 2021-10-08..2021-10-10)    24,000,000 cells{v}
  safety window (primary endpoint) ends 2021-10-30
  follow-up visits: Day 14 2021-10-13 (2021-10-11..2021-10-15), \
Day 28 2021-10-27 (2021-10-24..2021-10-30), Day 60 2021-11-28 (2021-11-21..2021-12-05), \
Day 90 2021-12-28 (2021-12-21..2022-01-04)
"""


class TestHelp:
    """Each command's usage and help, the user's documentation of §10."""

    def test_top_level_help_and_exit_code_epilog(self, capsys: pytest.CaptureFixture[str]) -> None:
        """§10: the top-level help lists the five commands and the exit codes 0, 1, 2."""
        assert help_of(capsys) == TOP_HELP

    @pytest.mark.parametrize(
        ("command", "text"),
        [
            ("demo", DEMO_HELP),
            ("screen", SCREEN_HELP),
            ("plan", PLAN_HELP),
            ("stop-check", STOP_HELP),
            ("schema", SCHEMA_HELP),
        ],
    )
    def test_command_help(
        self, capsys: pytest.CaptureFixture[str], command: str, text: str
    ) -> None:
        """§10: each command's usage line, arguments, metavars and help texts, word for word."""
        assert help_of(capsys, command) == text

    def test_no_command(self) -> None:
        """§10: no command is a usage error naming the missing argument, exit 2."""
        assert call() == (2, "", P + "usage error: the following arguments are required: command\n")

    def test_subcommand_usage_error(self) -> None:
        """§10: a bad choice inside a command is one usage line, exit 2, never argparse's exit."""
        assert call("schema", "bogus") == (
            2,
            "",
            P + "usage error: argument record: invalid choice: 'bogus' "
            "(choose from 'patient', 'safety-event', 'infusion-plan')\n",
        )

    def test_plan_needs_weight_or_patient(self) -> None:
        """§10: plan without --weight or --patient names the required group, exit 2."""
        assert call("plan", "--arm", "low", *START) == (
            2,
            "",
            P + "usage error: one of the arguments --weight --patient is required\n",
        )

    def test_plan_weight_and_patient_exclusive(self) -> None:
        """§10: --weight and --patient together is a usage error, exit 2."""
        code, out, err = call("plan", "--arm", "low", "--weight", "60", "--patient", "-", *START)
        assert (code, out) == (2, "")
        assert err == (P + "usage error: argument --patient: not allowed with argument --weight\n")

    def test_argv_defaults_to_sys_argv(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """§10: main() without argv reads sys.argv after the program name."""
        monkeypatch.setattr(sys, "argv", ["aclf-protocol", "demo", "--help"])
        assert main() == 0
        assert capsys.readouterr().out == DEMO_HELP


class TestBadArguments:
    """Bad dates and numbers on the command line (§10): one usage line, exit 2."""

    def test_bad_date(self) -> None:
        """§10: an impossible --start names the argument, the field `date` and the rule."""
        assert call("plan", "--arm", "low", "--weight", "60", "--start", "2021-09-31") == (
            2,
            "",
            P + "usage error: argument --start: date: must be an ISO 8601 date YYYY-MM-DD (§9); "
            "got '2021-09-31'\n",
        )

    def test_bad_screening_date(self) -> None:
        """§10: a short --on date is refused with the same rule."""
        assert call("screen", "-", "--on", "21-10-01") == (
            2,
            "",
            P + "usage error: argument --on: date: must be an ISO 8601 date YYYY-MM-DD (§9); "
            "got '21-10-01'\n",
        )

    def test_bad_weight(self) -> None:
        """§10: a non-number --weight names the field `number` and the rule."""
        assert call("plan", "--arm", "low", "--weight", "1e", *START) == (
            2,
            "",
            P + "usage error: argument --weight: number: must be a finite number or numeric "
            "string (§9); got '1e'\n",
        )

    def test_bad_concentration_text(self) -> None:
        """§10: a non-number --concentration is a usage error."""
        assert call("plan", "--arm", "low", "--weight", "60", *START, "--concentration", "x") == (
            2,
            "",
            P + "usage error: argument --concentration: number: must be a finite number or "
            "numeric string (§9); got 'x'\n",
        )

    @pytest.mark.parametrize("value", ["0", "-5"])
    def test_concentration_not_positive(self, value: str) -> None:
        """§10, §3.4: a concentration <= 0 is bad input naming the rule, exit 2."""
        assert call("plan", "--arm", "low", "--weight", "60", *START, "--concentration", value) == (
            2,
            "",
            P + f"--concentration: must be > 0 cells/mL (§3.4); got {value}\n",
        )

    def test_concentration_of_one_is_accepted(self) -> None:
        """§10, §3.4: 1 cell/mL is > 0, so the plan prints (volumes of 24,000,000 mL)."""
        code, out, err = call(
            "plan", "--arm", "low", "--weight", "60", *START, "--concentration", "1"
        )
        assert (code, err) == (0, "")
        assert out == PLAN_60_LOW.format(v=" 24000000.0 mL")

    def test_library_error_without_where(self) -> None:
        """§10: a refusal from the library is one line naming field, value and rule."""
        assert call("plan", "--arm", "low", "--weight", "0", *START) == (
            2,
            "",
            P + "weight_kg: must be > 0 and <= 350 kg (§3.2); got Decimal('0')\n",
        )


class TestReading:
    """Reading FILE arguments (§10): one object, a JSON array or JSON lines; `where` labels."""

    def test_unreadable_file(self, tmp_path: Path) -> None:
        """§10: an unreadable file is one line with the OS reason, exit 2."""
        name = str(tmp_path / "nope.json")
        assert call("screen", name) == (
            2,
            "",
            P + f"{name}: cannot read file: No such file or directory\n",
        )

    def test_invalid_json_lines_with_numbers(self, tmp_path: Path) -> None:
        """§10: every bad JSON line is reported with its 1-based number; blank lines skipped."""
        path = tmp_path / "bad.jsonl"
        path.write_text(json.dumps(ELIGIBLE) + "\n\n{bad\nNaN\n", encoding="utf-8")
        assert call("screen", str(path), "--on", "2021-10-01") == (
            2,
            "",
            P + f"{path}:3: not valid JSON: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)\n"
            + P
            + f"{path}:4: not valid JSON: NaN is not a number in a clinical record\n",
        )

    def test_blank_line_does_not_end_the_file(self, tmp_path: Path) -> None:
        """§10: records after a blank line are still read, labelled with their line number."""
        path = tmp_path / "p.jsonl"
        path.write_text(
            json.dumps(ELIGIBLE) + "\n\n" + json.dumps({"patient_id": "X"}) + "\n",
            encoding="utf-8",
        )
        code, _, err = call("screen", str(path), "--on", "2021-10-01")
        assert code == 2
        assert err == "".join(
            P + f"{path}:3: {field}: is required (§9); got None\n"
            for field in ("birth_date", "sex", "weight_kg")
        )

    @pytest.mark.parametrize(("name", "label"), [("empty.json", None), ("-", "<stdin>")])
    def test_empty_input(self, tmp_path: Path, name: str, label: str | None) -> None:
        """§10: a file or stdin without any record is one line, exit 2."""
        arg = name if name == "-" else str(tmp_path / name)
        if name != "-":
            (tmp_path / name).write_text("\n  \n", encoding="utf-8")
        assert call("screen", arg) == (2, "", P + f"{label or arg}: no JSON record found\n")

    def test_infinity_refused(self) -> None:
        """§10: Infinity is not a clinical number, though Python's json would read it."""
        record = json.dumps(ELIGIBLE).replace('"inr": 2.6', '"inr": Infinity')
        assert call("screen", "-", "--on", "2021-10-01", stdin=record) == (
            2,
            "",
            P + "<stdin>:1: not valid JSON: Infinity is not a number in a clinical record\n",
        )

    def test_array_labels(self) -> None:
        """§10: a record of a JSON array is named `<stdin>[i]`, every problem on its own line."""
        stdin = json.dumps([ELIGIBLE, {"patient_id": 5}])
        code, _, err = call("screen", "-", "--on", "2021-10-01", stdin=stdin)
        assert code == 2
        assert err == (
            P
            + "<stdin>[1]: patient_id: must be a non-empty string (§9); got 5\n"
            + "".join(
                P + f"<stdin>[1]: {field}: is required (§9); got None\n"
                for field in ("birth_date", "sex", "weight_kg")
            )
        )

    def test_file_array_labels(self, tmp_path: Path) -> None:
        """§10: in a file, the array item is named `file[i]`."""
        path = write(tmp_path / "a.json", [{"patient_id": "X"}])
        code, _, err = call("screen", path, "--on", "2021-10-01")
        assert code == 2
        assert err.splitlines()[0] == P + f"{path}[0]: birth_date: is required (§9); got None"

    def test_single_record_label(self) -> None:
        """§10: a single object on stdin is named `<stdin>`."""
        code, _, err = call("screen", "-", "--on", "2021-10-01", stdin='{"patient_id": "X"}')
        assert code == 2
        assert err.splitlines()[0] == P + "<stdin>: birth_date: is required (§9); got None"

    def test_screening_error_keeps_going(self) -> None:
        """§10, §5: a patient the screening refuses is named by line; the next is still screened."""
        young = {**ELIGIBLE, "patient_id": "RJ-X", "birth_date": "2000-01-01"}
        stdin = json.dumps(young) + "\n" + json.dumps(ELIGIBLE)
        code, out, err = call("screen", "-", "--on", "1990-01-01", stdin=stdin)
        assert code == 2
        assert out.startswith("RJ-001: INELIGIBLE (screened 1990-01-01)\n  I1 met: age 21")
        assert err == (
            P + "<stdin>:1: birth_date: must not be after the screening date 1990-01-01 (§5); "
            "got datetime.date(2000, 1, 1)\n"
        )

    def test_decimals_are_read_exactly(self) -> None:
        """§10, §9: a JSON number is read as a decimal, never through float (one document)."""
        text = json.dumps({**ELIGIBLE, "weight_kg": "W"}).replace('"W"', "60.00000000000000001")
        code, out, _ = call("plan", "--arm", "low", "--patient", "-", *START, stdin=text)
        assert code == 0
        assert out.startswith("RJ-001: arm low, baseline weight 60.00000000000000001 kg")

    def test_json_lines_decimals_are_exact(self) -> None:
        """§10, §3.2: in JSON lines 350.0000000000000001 kg is over the limit (a float is 350)."""
        heavy = json.dumps({**ELIGIBLE, "patient_id": "RJ-H", "weight_kg": "W"})
        stdin = json.dumps(ELIGIBLE) + "\n" + heavy.replace('"W"', "350.0000000000000001")
        assert call("screen", "-", "--on", "2021-10-01", stdin=stdin) == (
            2,
            "",
            P + "<stdin>:2: weight_kg: must be > 0 and <= 350 kg (§3.2); "
            "got Decimal('350.0000000000000001')\n",
        )

    def test_patient_with_two_records(self, tmp_path: Path) -> None:
        """§10: --patient needs exactly one record; the line names the file."""
        path = write(tmp_path / "two.json", RECORDS[:2])
        assert call("plan", "--arm", "low", "--patient", path, *START) == (
            2,
            "",
            P + f"{path}: --patient needs exactly one patient record\n",
        )

    def test_stop_check_reads_stdin(self) -> None:
        """§10: `-` works for --plans too; a missing events file is still reported."""
        assert call(
            "stop-check",
            "--plans",
            "-",
            "--events",
            "/nonexistent/e.json",
            "--on",
            "2021-10-11",
            stdin="[]",
        ) == (2, "", P + "/nonexistent/e.json: cannot read file: No such file or directory\n")

    def test_stop_check_events_from_stdin(self, tmp_path: Path) -> None:
        """§10: --events - reads stdin; no plans and no events is CONTINUE, exit 0."""
        plans = write(tmp_path / "plans.json", [])
        code, out, err = call(
            "stop-check",
            "--plans",
            plans,
            "--events",
            "-",
            "--on",
            "2021-10-11",
            "--json",
            stdin="[]",
        )
        assert (code, err) == (0, "")
        assert json.loads(out)["decision"] == "continue"


class TestOutput:
    """Exact stdout of the commands (§10)."""

    def test_plan_text(self) -> None:
        """§10: the plan calendar, one line per infusion, ending in one newline."""
        assert call("plan", "--arm", "low", "--weight", "60", *START) == (
            0,
            PLAN_60_LOW.format(v=""),
            "",
        )

    def test_plan_json_key_order(self) -> None:
        """§10: --json keeps the record's key order (not sorted) and ends in one newline."""
        code, out, _ = call(
            "plan", "--arm", "low", "--weight", "60", *START, "--patient-id", "P-7", "--json"
        )
        assert code == 0
        assert out.endswith("}\n")
        assert out.count("\n") == 1
        assert out.startswith(
            '{"patient_id": "P-7", "arm_id": "low", "start": "2021-09-30", "weight_kg": "60", '
            '"infusions": [{"number": 1, "study_day": 1, "date": "2021-09-30", '
            '"window_start": "2021-09-30", "window_end": "2021-09-30", "cells": 24000000, '
            '"given_date": null, "cancelled": false}, '
        )

    def test_screen_json_names_the_patient_first(self) -> None:
        """§10: each screen --json line starts with the patient id, then the result."""
        code, out, _ = call(
            "screen", "-", "--on", "2021-10-01", "--json", stdin=json.dumps(ELIGIBLE)
        )
        assert code == 0
        assert out.startswith('{"patient_id": "RJ-001", ')
        assert out.count("\n") == 1

    def test_screen_text_lines(self) -> None:
        """§10: screen text is the result line then one line per criterion, one newline each."""
        code, out, _ = call("screen", "-", "--on", "2021-10-01", stdin=json.dumps(ELIGIBLE))
        assert code == 0
        lines = out.split("\n")
        assert lines[0] == "RJ-001: ELIGIBLE (screened 2021-10-01)"
        assert lines[1].startswith("  I1 met: age 53 on 2021-10-01")
        assert lines[-1] == ""
        assert len(lines) == 12  # 10 criteria (I1-I3, E1-E7), the head line, the final ""

    def test_stop_check_text(self, tmp_path: Path) -> None:
        """§10, §6: an unassessed serious event suspends (R2): every line, word for word."""
        plans, events = test_cli.TestStopCheck.files(tmp_path, demo_events()[:2])
        assert call("stop-check", "--plans", plans, "--events", events, "--on", "2021-10-08") == (
            1,
            (
                "study decision as of 2021-10-08: SUSPEND\n"
                "  R2: SAE-001 (RJ-002) Acute kidney injury, onset 2021-10-07, aware 2021-10-08, "
                "causality not_assessed\n"
                "  patient RJ-001 (arm medium): active\n"
                "  patient RJ-002 (arm medium): active\n"
                "  on hold: RJ-001 infusion 3 on 2021-10-08\n"
                "  on hold: RJ-001 infusion 4 on 2021-10-11\n"
                "  on hold: RJ-002 infusion 3 on 2021-10-08\n"
                "  on hold: RJ-002 infusion 4 on 2021-10-11\n"
                "  report sae_to_sponsor for SAE-001 due 2021-10-09\n"
                "  report susar_to_regulator for SAE-001 due 2021-10-23\n"
            ),
            "",
        )

    def test_demo_text_ends_once(self) -> None:
        """§10: the demo report ends with exactly one newline."""
        code, out, _ = call("demo")
        assert code == 0
        assert out.endswith("\n")
        assert not out.endswith("\n\n")
        assert "XX" not in out
