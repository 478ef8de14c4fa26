"""The command line ``aclf-protocol`` end to end (SPEC §10): texts, JSON, streams, exit codes.

The texts the command prints (help, usage and bad-input lines, calendars, decisions) are the
product: each table of invocations below is run in a scratch directory holding the files of
:func:`workdir` and its whole transcript (exit code, stdout, stderr) is compared with a golden
file under ``tests/golden/cli/`` (``UPDATE_GOLDEN=1`` rewrites them; review the diff). The
other tests state structure: exit codes, which stream, how many lines, JSON fields.
"""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import Patient, SafetyEvent, plan_infusions
from aclf_protocol.cli import main
from aclf_protocol.demo import demo_events, run_demo
from aclf_protocol.examples import patient_records
from aclf_protocol.schedule import InfusionPlan, record_infusion
from tests.fixtures import assert_golden
from tests.strategies import json_values

ROOT = Path(__file__).resolve().parent.parent

#: Every stderr line starts with the program's name.
P = "aclf-protocol: "
START = ("--start", "2021-09-30")
ON = ("--on", "2021-10-01")
#: §1 v2: what every --json output names, and the line every text output opens with.
LABEL = {"nct_id": "NCT04822922", "version": "1.0"}
HEAD = "protocol NCT04822922 version 1.0 (effective 2021-09-30)"

RECORDS = patient_records()
ELIGIBLE = RECORDS[0]  # RJ-001, SPEC §9's example
STDIN_ELIGIBLE = json.dumps(ELIGIBLE)


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``python -m aclf_protocol`` in a subprocess from the project root, as a user would."""
    return subprocess.run(  # noqa: PLW1510 - the exit code is what we test
        [sys.executable, "-m", "aclf_protocol", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
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


def demo_plans() -> list[dict[str, Any]]:
    """Plans for RJ-001 and RJ-002, medium arm from 2021-10-02, the first two infusions given."""
    plans = []
    for record in RECORDS[:2]:
        plan = plan_infusions(Patient.from_dict(record), "medium", date(2021, 10, 2))
        plan = record_infusion(plan, 1, date(2021, 10, 2))
        plans.append(record_infusion(plan, 2, date(2021, 10, 5)).to_dict())
    return plans


def later_plans() -> list[dict[str, Any]]:
    """The demo plans with RJ-001's infusion 3 given on 2021-10-08, the stop date (§6.7)."""
    plans = [InfusionPlan.from_dict(record) for record in demo_plans()]
    plans[0] = record_infusion(plans[0], 3, date(2021, 10, 8))
    return [plan.to_dict() for plan in plans]


def later_events() -> list[dict[str, Any]]:
    """The demo events, then SAE-001 re-assessed unrelated and RJ-001's death (unrelated),
    both learnt of on 2021-10-12 (§6.7)."""
    events = demo_events()
    unrelated = {**events[-1], "awareness_date": "2021-10-12", "causality": "unrelated"}
    death = {
        **events[1],
        "event_id": "SAE-002",
        "patient_id": "RJ-001",
        "term": "Variceal haemorrhage",
        "onset_date": "2021-10-12",
        "awareness_date": "2021-10-12",
        "seriousness": ["death"],
        "grade": 5,
        "causality": "unrelated",
        "outcome": "fatal",
    }
    return [*events, unrelated, death]


@pytest.fixture(autouse=True)
def _columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """argparse wraps help at $COLUMNS: fix it for stable texts."""
    monkeypatch.setenv("COLUMNS", "100")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch directory, made the current one, holding the input files the tables name."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "eligible.json", ELIGIBLE)
    write(tmp_path / "cohort.json", RECORDS)
    write(tmp_path / "rj002.jsonl", RECORDS[1:2], lines=True)
    write(tmp_path / "rj003.json", RECORDS[2])
    write(tmp_path / "two.json", RECORDS[:2])
    write(tmp_path / "x-array.json", [{"patient_id": "X"}])
    bad = {**ELIGIBLE, "weight_kg": 0, "labs": {**ELIGIBLE["labs"], "inr": "high"}}
    write(tmp_path / "bad.json", bad)
    (tmp_path / "broken.json").write_text('{"patient_id": \n nope', encoding="utf-8")
    (tmp_path / "empty.json").write_text("\n  \n", encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text(STDIN_ELIGIBLE + "\n\n{bad\nNaN\n", encoding="utf-8")
    (tmp_path / "blank.jsonl").write_text(
        STDIN_ELIGIBLE + "\n\n" + json.dumps({"patient_id": "X"}) + "\n", encoding="utf-8"
    )
    write(tmp_path / "plans.json", demo_plans())
    write(tmp_path / "no-plans.json", [])
    write(tmp_path / "broken-plans.json", [{"patient_id": "X"}])
    write(tmp_path / "events.jsonl", demo_events(), lines=True)
    write(tmp_path / "first-events.jsonl", demo_events()[:2], lines=True)
    write(tmp_path / "later-plans.json", later_plans())
    write(tmp_path / "later-events.jsonl", later_events(), lines=True)
    write(tmp_path / "stray.jsonl", [{**demo_events()[1], "patient_id": "RJ-999"}], lines=True)
    write(tmp_path / "bad-event.jsonl", [{**demo_events()[1], "grade": 9}], lines=True)
    return tmp_path


class Run(NamedTuple):
    """One invocation of a table: what it shows, its arguments and its stdin."""

    title: str
    args: tuple[str, ...]
    stdin: str = ""


def _stream(name: str, text: str) -> str:
    if not text:
        return f"--- {name}: (empty)\n"
    if not text.endswith("\n"):
        text += "\n\\ no newline at end\n"
    return f"--- {name}\n{text}"


def transcript(runs: Sequence[Run]) -> str:
    """Every run's command line, exit code, stdout and stderr, byte for byte."""
    parts = []
    for case in runs:
        code, out, err = call(*case.args, stdin=case.stdin)
        command = shlex.join(["aclf-protocol", *case.args]) + (" < stdin" if case.stdin else "")
        parts.append(
            f"## {case.title}\n$ {command}\nexit {code}\n{_stream('stdout', out)}"
            f"{_stream('stderr', err)}"
        )
    return "\n".join(parts)


def help_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The help text argparse prints (to sys.stdout) for *args*; exit 0, nothing else."""
    assert call(*args, "--help") == (0, "", "")
    return capsys.readouterr().out


COMMANDS = ("demo", "screen", "plan", "stop-check", "schema")


class TestHelpText:
    """Each command's usage and help, the user's documentation of §10."""

    def test_help_texts(self, capsys: pytest.CaptureFixture[str]) -> None:
        """§10: the top-level help (five commands, exit codes 0, 1, 2) and each command's."""
        texts = [f"$ aclf-protocol --help\n{help_of(capsys)}"]
        texts += [f"$ aclf-protocol {c} --help\n{help_of(capsys, c)}" for c in COMMANDS]
        assert_golden("cli/help.txt", "\n".join(texts))

    def test_top_level_help_lists_every_command_and_exit_code(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """§10: the command names and the three exit codes appear in the top-level help."""
        text = help_of(capsys)
        assert all(f"    {command} " in text for command in COMMANDS)
        assert all(f"{code} " in text.split("Exit codes:")[1] for code in "012")

    def test_argv_defaults_to_sys_argv(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """§10: main() without argv reads sys.argv after the program name."""
        expected = help_of(capsys, "demo")
        monkeypatch.setattr(sys, "argv", ["aclf-protocol", "demo", "--help"])
        assert main() == 0
        assert capsys.readouterr().out == expected


#: Bad command lines: each is one stderr line, exit 2, nothing on stdout.
BAD_ARGUMENTS = [
    Run("no command", ()),
    Run("a bad choice inside a command", ("schema", "bogus")),
    Run("an unknown record name", ("schema", "labs")),
    Run("plan without --weight or --patient", ("plan", "--arm", "low", *START)),
    Run(
        "--weight and --patient together",
        ("plan", "--arm", "low", "--weight", "60", "--patient", "-", *START),
    ),
    Run(
        "an impossible --start", ("plan", "--arm", "low", "--weight", "60", "--start", "2021-09-31")
    ),
    Run(
        "a --start not in ISO 8601",
        ("plan", "--arm", "low", "--weight", "60", "--start", "30/09/2021"),
    ),
    Run("a short --on", ("screen", "-", "--on", "21-10-01")),
    Run("an --on not in ISO 8601", ("screen", "-", "--on", "01/10/2021"), "{}"),
    Run("a --weight that is not a number", ("plan", "--arm", "low", "--weight", "1e", *START)),
    Run("a --weight in letters", ("plan", "--arm", "low", "--weight", "abc", *START)),
    Run(
        "a --concentration that is not a number",
        ("plan", "--arm", "low", "--weight", "60", *START, "--concentration", "x"),
    ),
    Run(
        "a zero --concentration (§3.4)",
        ("plan", "--arm", "low", "--weight", "60", *START, "--concentration", "0"),
    ),
    Run(
        "a negative --concentration (§3.4)",
        ("plan", "--arm", "low", "--weight", "60", *START, "--concentration", "-5"),
    ),
    Run(
        "a zero weight, refused by the library (§3.2)",
        ("plan", "--arm", "low", "--weight", "0", *START),
    ),
    Run("an arm the protocol lacks (§2)", ("plan", "--arm", "max", "--weight", "60", *START)),
]


class TestUsageErrors:
    """Bad command lines (§10): one line naming the argument, exit 2, never argparse's exit."""

    @pytest.mark.usefixtures("workdir")
    def test_texts(self) -> None:
        """§10: every usage and bad-argument line, word for word."""
        assert_golden("cli/bad_arguments.txt", transcript(BAD_ARGUMENTS))

    @pytest.mark.parametrize("case", BAD_ARGUMENTS, ids=lambda c: c.title)
    def test_one_stderr_line_exit_2(self, case: Run) -> None:
        """Exit 2, stdout empty, one stderr line after the program name."""
        code, out, err = call(*case.args, stdin=case.stdin)
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1
        assert err.startswith(P)
        assert err.endswith("\n")

    @pytest.mark.parametrize(
        ("args", "names"),
        [
            (("plan", "--arm", "low", "--weight", "0", *START), "weight_kg"),
            (("plan", "--arm", "low", "--weight", "abc", *START), "--weight"),
            (("plan", "--arm", "max", "--weight", "60", *START), "arm"),
            (("plan", "--arm", "low", *START), "--weight"),
            (
                ("plan", "--arm", "low", "--weight", "60", *START, "--concentration", "0"),
                "--concentration",
            ),
            (("plan", "--arm", "low", "--weight", "60", "--start", "2021-09-31"), "--start"),
            (("screen", "-", "--on", "21-10-01"), "--on"),
            (("schema", "labs"), "record"),
        ],
    )
    def test_the_line_names_the_argument(self, args: tuple[str, ...], names: str) -> None:
        """The one line names the argument or field at fault."""
        assert names in call(*args)[2]


#: Bad input files and records: every problem on its own stderr line, exit 2.
BAD_INPUT = [
    Run("an unreadable file", ("screen", "nope.json")),
    Run("bad JSON lines, numbered from 1, blank lines skipped", ("screen", "bad.jsonl", *ON)),
    Run("neither one JSON document nor JSON lines", ("screen", "broken.json", *ON)),
    Run("records after a blank line are still read", ("screen", "blank.jsonl", *ON)),
    Run("a file without any record", ("screen", "empty.json")),
    Run("stdin without any record", ("screen", "-")),
    Run(
        "NaN is not a lab value",
        ("screen", "-", *ON),
        STDIN_ELIGIBLE.replace('"inr": 2.6', '"inr": NaN'),
    ),
    Run(
        "Infinity is not a lab value",
        ("screen", "-", *ON),
        STDIN_ELIGIBLE.replace('"inr": 2.6', '"inr": Infinity'),
    ),
    Run(
        "a repeated key is refused by its path, not read as its last value (§0)",
        ("screen", "-", *ON),
        STDIN_ELIGIBLE[:-1] + ', "weight_kg": "350"}',
    ),
    Run(
        "a repeated key in an array item: <stdin>[1]: history.hiv",
        ("screen", "-", *ON),
        "["
        + STDIN_ELIGIBLE
        + ", "
        + STDIN_ELIGIBLE.replace('"hiv": false', '"hiv": true, "hiv": false')
        + "]",
    ),
    Run(
        "a repeated key in JSON lines: <stdin>:2: causality",
        ("stop-check", "--plans", "plans.json", "--events", "-", "--on", "2021-10-11"),
        "\n".join(json.dumps(e) for e in demo_events()[:2])[:-1] + ', "causality": "unrelated"}\n',
    ),
    Run(
        "a JSON array on stdin: <stdin>[i]",
        ("screen", "-", *ON),
        json.dumps([ELIGIBLE, {"patient_id": 5}]),
    ),
    Run("a JSON array in a file: file[i]", ("screen", "x-array.json", *ON)),
    Run("one object on stdin: <stdin>", ("screen", "-", *ON), '{"patient_id": "X"}'),
    Run("two bad values in one record", ("screen", "bad.json", *ON)),
    Run(
        "born after the screening date (§5)", ("screen", "-", "--on", "1960-01-01"), STDIN_ELIGIBLE
    ),
    Run(
        "JSON lines are read as decimals: 350.0000000000000001 kg is over the limit (§3.2)",
        ("screen", "-", *ON),
        STDIN_ELIGIBLE
        + "\n"
        + json.dumps({**ELIGIBLE, "patient_id": "RJ-H", "weight_kg": "W"}).replace(
            '"W"', "350.0000000000000001"
        ),
    ),
    Run(
        "--patient needs exactly one record",
        ("plan", "--arm", "low", "--patient", "two.json", *START),
    ),
    Run(
        "--plans from stdin, an unreadable --events file",
        ("stop-check", "--plans", "-", "--events", "/nonexistent/e.json", "--on", "2021-10-11"),
        "[]",
    ),
    Run(
        "an event for a patient without a plan (§6.5)",
        ("stop-check", "--plans", "plans.json", "--events", "stray.jsonl", "--on", "2021-10-11"),
    ),
    Run(
        "bad records in both files",
        (
            "stop-check",
            "--plans",
            "broken-plans.json",
            "--events",
            "bad-event.jsonl",
            "--on",
            "2021-10-11",
        ),
    ),
]

#: How many stderr lines each BAD_INPUT run prints (one per problem).
BAD_INPUT_LINES = [1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 3, 2, 2, 2, 1, 1, 1, 1, 1, 4]


class TestBadInput:
    """Bad files and records (§10): one line per problem naming file, item and path; exit 2."""

    @pytest.mark.usefixtures("workdir")
    def test_texts(self) -> None:
        """§10: every bad-input line, word for word, with its `where` label."""
        assert_golden("cli/bad_input.txt", transcript(BAD_INPUT))

    @pytest.mark.parametrize(
        ("case", "lines"),
        list(zip(BAD_INPUT, BAD_INPUT_LINES, strict=True)),
        ids=[c.title for c in BAD_INPUT],
    )
    @pytest.mark.usefixtures("workdir")
    def test_one_line_per_problem(self, case: Run, lines: int) -> None:
        """Exit 2, nothing on stdout, one stderr line per problem, each after the program name."""
        code, out, err = call(*case.args, stdin=case.stdin)
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == lines
        assert all(line.startswith(P) for line in err.splitlines())
        assert "Traceback" not in err

    @pytest.mark.usefixtures("workdir")
    def test_where_labels(self) -> None:
        """Each line names where the record came from: file, file:line, file[i], <stdin>."""
        heads = {
            ("screen", "bad.jsonl", *ON): ["bad.jsonl:3", "bad.jsonl:4"],
            ("screen", "blank.jsonl", *ON): ["blank.jsonl:3"] * 2,
            ("screen", "x-array.json", *ON): ["x-array.json[0]"] * 2,
            ("screen", "bad.json", *ON): ["bad.json", "bad.json"],
        }
        for args, labels in heads.items():
            err = call(*args)[2]
            assert [line.split(": ")[1] for line in err.splitlines()] == labels
        err = call("screen", "-", *ON, stdin='{"patient_id": "X"}')[2]
        assert {line.split(": ")[1] for line in err.splitlines()} == {"<stdin>"}

    @pytest.mark.usefixtures("workdir")
    def test_bad_values_name_their_paths(self) -> None:
        """A zero weight and a text INR are two lines, naming weight_kg and labs.inr."""
        err = call("screen", "bad.json", *ON)[2]
        assert [line.split(": ")[2] for line in err.splitlines()] == ["weight_kg", "labs.inr"]

    @pytest.mark.usefixtures("workdir")
    def test_bad_event_and_plan_are_both_reported(self) -> None:
        """Both files' problems are listed: the plan's missing fields and the event's grade."""
        args = ("--plans", "broken-plans.json", "--events", "bad-event.jsonl", "--on", "2021-10-11")
        err = call("stop-check", *args)[2]
        assert "arm_id" in err
        assert "grade" in err
        assert SafetyEvent.from_dict(demo_events()[1]).grade == 3


class TestScreenCommand:
    """`screen FILE... [--on DATE]` (§10): each patient's result, then the exit code."""

    RUNS = (
        Run("SPEC §9's record: every criterion with its reason", ("screen", "eligible.json", *ON)),
        Run("an incomplete patient lists what is still needed", ("screen", "rj003.json", *ON)),
        Run("several files, screened in order", ("screen", "eligible.json", "rj002.jsonl", *ON)),
        Run(
            "a patient the screening refuses is named by line; the next is still screened",
            ("screen", "-", "--on", "1990-01-01"),
            json.dumps({**ELIGIBLE, "patient_id": "RJ-X", "birth_date": "2000-01-01"})
            + "\n"
            + STDIN_ELIGIBLE,
        ),
    )

    @pytest.mark.usefixtures("workdir")
    def test_texts(self) -> None:
        """§5, §10: the result line, one line per criterion, what is still needed."""
        assert_golden("cli/screen.txt", transcript(self.RUNS))

    def test_text_is_one_line_per_criterion(self) -> None:
        """The protocol's head line (§1 v2), the result line, then 10 criteria (I1-I3, E1-E7),
        each ending in one newline."""
        code, out, err = call("screen", "-", *ON, stdin=STDIN_ELIGIBLE)
        assert (code, err) == (0, "")
        head, *lines = out.split("\n")
        assert head == HEAD
        assert len(lines) == 12
        assert lines[-1] == ""
        assert lines[0].startswith("RJ-001: ")
        assert [line.split()[0] for line in lines[1:-1]] == [
            *("I1", "I2", "I3"),
            *(f"E{n}" for n in range(1, 8)),
        ]

    @pytest.mark.usefixtures("workdir")
    def test_json_array(self) -> None:
        """A JSON array screens each record; --json objects carry status and criteria; exit 1."""
        code, out, err = call("screen", "cohort.json", *ON, "--json")
        assert (code, err) == (1, "")
        first = json.loads(out.splitlines()[0])
        assert first["status"] == "eligible"
        assert first["criteria"]["I2"]["outcome"] == "met"

    @pytest.mark.usefixtures("workdir")
    def test_incomplete_names_missing_facts(self) -> None:
        """An incomplete patient exits 1 and names what is still needed."""
        code, out, _ = call("screen", "rj003.json", *ON, "--json")
        assert code == 1
        result = json.loads(out)
        assert (result["status"], result["missing"]) == ("incomplete", ["history.hiv"])

    @pytest.mark.usefixtures("workdir")
    def test_several_files_in_order(self) -> None:
        """Several files are screened in the order given."""
        code, out, _ = call("screen", "eligible.json", "rj002.jsonl", *ON, "--json")
        assert code == 0
        assert [json.loads(line)["patient_id"] for line in out.splitlines()] == ["RJ-001", "RJ-002"]

    def test_screening_error_keeps_going(self) -> None:
        """§5: a patient refused by the screening is one stderr line; the next still prints."""
        young = {**ELIGIBLE, "patient_id": "RJ-X", "birth_date": "2000-01-01"}
        stdin = json.dumps(young) + "\n" + STDIN_ELIGIBLE
        code, out, err = call("screen", "-", "--on", "1990-01-01", "--json", stdin=stdin)
        assert code == 2
        assert [json.loads(line)["patient_id"] for line in out.splitlines()] == ["RJ-001"]
        assert err.startswith(P + "<stdin>:1: birth_date: ")
        assert len(err.splitlines()) == 1

    def test_default_date_is_today(self) -> None:
        """Without --on the CLI screens as of today (RJ-001 is older than 18 today)."""
        code, out, _ = call("screen", "-", "--json", stdin=STDIN_ELIGIBLE)
        assert code in {0, 1}
        assert json.loads(out)["on"] == date.today().isoformat()  # noqa: DTZ011


class TestPlanCommand:
    """`plan --arm ARM (--weight KG | --patient FILE) --start DATE` (§10)."""

    RUNS = (
        Run(
            "the calendar, one line per infusion",
            ("plan", "--arm", "low", "--weight", "60", *START),
        ),
        Run(
            "1 cell/mL is > 0: volumes of 24,000,000 mL (§3.4)",
            ("plan", "--arm", "low", "--weight", "60", *START, "--concentration", "1"),
        ),
        Run(
            "high arm with a concentration: cells and volumes",
            ("plan", "--arm", "high", "--weight", "62.5", *START, "--concentration", "2e6"),
        ),
        Run(
            "--patient reads the id and baseline weight",
            ("plan", "--arm", "high", "--patient", "eligible.json", *START),
        ),
        Run(
            "a JSON number is read as a decimal, never through float (§9)",
            ("plan", "--arm", "low", "--patient", "-", *START),
            json.dumps({**ELIGIBLE, "weight_kg": "W"}).replace('"W"', "60.00000000000000001"),
        ),
    )

    @pytest.mark.usefixtures("workdir")
    def test_texts(self) -> None:
        """§3, §4, §10: the pharmacy calendar, word for word."""
        assert_golden("cli/plan.txt", transcript(self.RUNS))

    @pytest.mark.parametrize("case", RUNS, ids=lambda c: c.title)
    @pytest.mark.usefixtures("workdir")
    def test_calendar_lines(self, case: Run) -> None:
        """Exit 0, nothing on stderr; the protocol (§1 v2), a head line, 4 infusions, the
        safety window, the visits."""
        code, out, err = call(*case.args, stdin=case.stdin)
        assert (code, err) == (0, "")
        head, *lines = out.split("\n")
        assert head == HEAD
        assert len(lines) == 8
        assert lines[-1] == ""
        assert [line.split()[0] for line in lines[1:5]] == ["#1", "#2", "#3", "#4"]

    def test_json_calendar(self) -> None:
        """--json gives the plan record with visits and the safety window end."""
        code, out, _ = call("plan", "--arm", "low", "--weight", "50", *START, "--json")
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

    @pytest.mark.usefixtures("workdir")
    def test_json_from_patient_file(self) -> None:
        """--patient reads the baseline weight and id from a record."""
        args = ("plan", "--arm", "high", "--patient", "eligible.json", *START, "--json")
        code, out, _ = call(*args)
        assert code == 0
        record = json.loads(out)
        assert (record["patient_id"], record["arm_id"], record["weight_kg"]) == (
            "RJ-001",
            "high",
            "62.5",
        )

    @pytest.mark.parametrize("record", [{"weight_kg": None}, {}], ids=["null", "missing"])
    def test_patient_without_weight_is_bad_input(self, record: dict[str, Any]) -> None:
        """§9 v2: a record without a weight screens, but planning a dose from it prints one
        line naming weight_kg and exits 2 (MissingFactError), never a traceback."""
        patient = {k: v for k, v in ELIGIBLE.items() if k != "weight_kg"} | record
        text = json.dumps(patient)
        assert call("screen", "-", *ON, stdin=text)[0] == 0  # screening does not need it
        code, out, err = call("plan", "--arm", "low", "--patient", "-", *START, stdin=text)
        assert (code, out) == (2, "")
        assert err.splitlines() == [
            f"{P}weight_kg: is unknown; a dose needs the baseline weight (§3.1, §9); got None"
        ]

    def test_json_volumes(self) -> None:
        """--concentration adds each infusion's volume (§3.4): 75e6 cells at 2e6/mL is 37.5 mL."""
        args = ("plan", "--arm", "high", "--weight", "62.5", *START, "--concentration", "2e6")
        record = json.loads(call(*args, "--json")[1])
        assert {(i["cells"], i["volume_ml"]) for i in record["infusions"]} == {(75_000_000, "37.5")}


class TestStopCheckCommand:
    """`stop-check --plans FILE --events FILE --on DATE` (§6, §10)."""

    RUNS = (
        Run(
            "before the serious event: continue",
            (
                "stop-check",
                "--plans",
                "plans.json",
                "--events",
                "events.jsonl",
                "--on",
                "2021-10-06",
            ),
        ),
        Run(
            "an unassessed serious event suspends (R2)",
            (
                "stop-check",
                "--plans",
                "plans.json",
                "--events",
                "first-events.jsonl",
                "--on",
                "2021-10-08",
            ),
        ),
        Run(
            "assessed possible and unexpected, it terminates (R1)",
            (
                "stop-check",
                "--plans",
                "plans.json",
                "--events",
                "events.jsonl",
                "--on",
                "2021-10-11",
            ),
        ),
        Run(
            "re-assessed unrelated: the termination stands; a death; an infusion given on "
            "the stop date (§6.7)",
            (
                "stop-check",
                "--plans",
                "later-plans.json",
                "--events",
                "later-events.jsonl",
                "--on",
                "2021-10-13",
            ),
        ),
    )

    @pytest.mark.usefixtures("workdir")
    def test_texts(self) -> None:
        """§6.3, §6.5: decision, triggers, patients, held or cancelled infusions, reports."""
        assert_golden("cli/stop_check.txt", transcript(self.RUNS))

    @pytest.mark.parametrize(
        ("on", "events", "decision"),
        [
            ("2021-10-06", "events.jsonl", "continue"),
            ("2021-10-08", "first-events.jsonl", "suspend"),
            ("2021-10-11", "events.jsonl", "terminate"),
        ],
    )
    @pytest.mark.usefixtures("workdir")
    def test_json_decision(self, on: str, events: str, decision: str) -> None:
        """--json gives the evaluation as one JSON line with its decision."""
        args = ("--plans", "plans.json", "--events", events, "--on", on, "--json")
        code, out, err = call("stop-check", *args)
        assert err == ""
        assert out.count("\n") == 1
        assert json.loads(out)["decision"] == decision
        assert code == (0 if decision == "continue" else 1)

    @pytest.mark.usefixtures("workdir")
    def test_terminate_lines(self) -> None:
        """Terminate: the head line, the R1 trigger, two patients, cancellations and reports."""
        args = ("--plans", "plans.json", "--events", "events.jsonl", "--on", "2021-10-11")
        head, *lines = call("stop-check", *args)[1].splitlines()
        assert head == HEAD  # §1 v2: the protocol applied
        assert lines[0].endswith(": TERMINATE")
        assert lines[1].split()[:3] == ["R1:", "SAE-001", "(RJ-002)"]
        assert [line.split()[0] for line in lines[2:]] == ["patient"] * 2 + ["cancelled:"] * 4 + [
            "report"
        ] * 2

    @pytest.mark.usefixtures("workdir")
    def test_json_lists_the_v2_outcomes(self) -> None:
        """§6.7: --json carries the re-assessment, the death, the deviation and the stop."""
        args = ("--plans", "later-plans.json", "--events", "later-events.jsonl")
        code, out, _ = call("stop-check", *args, "--on", "2021-10-13", "--json")
        record = json.loads(out)
        assert (code, record["decision"], record["since"]) == (1, "terminate", "2021-10-08")
        assert [r["event_id"] for r in record["reassessed"]] == ["SAE-001"]
        assert {p["patient_id"]: p["status"] for p in record["patients"]} == {
            "RJ-001": "died",
            "RJ-002": "stopped",
        }
        assert [(v["patient_id"], v["number"], v["cause"]) for v in record["deviations"]] == [
            ("RJ-001", 3, "terminate")
        ]
        assert record["conflicts"] == []

    @pytest.mark.usefixtures("workdir")
    def test_stdin_and_no_records(self) -> None:
        """--events - reads stdin; no plans and no events is CONTINUE, exit 0."""
        args = ("--plans", "no-plans.json", "--events", "-", "--on", "2021-10-11", "--json")
        code, out, err = call("stop-check", *args, stdin="[]")
        assert (code, err) == (0, "")
        assert json.loads(out)["decision"] == "continue"


class TestCommandsChain:
    """§10: what one command prints with --json is read by the next; §4.6 records travel."""

    @staticmethod
    def stop_check(tmp_path: Path, plans: str, on: str, *extra: str) -> tuple[int, str, str]:
        """`stop-check` of the plans file *plans* with no events, as of *on*."""
        events = write(tmp_path / "events.json", [])
        return call("stop-check", "--plans", plans, "--events", events, "--on", on, *extra)

    @pytest.mark.parametrize(
        "extra", [(), ("--concentration", "2.5e6")], ids=["cells only", "with volumes"]
    )
    def test_plan_json_feeds_stop_check(self, tmp_path: Path, extra: tuple[str, ...]) -> None:
        """`plan --json` > plans.json; `stop-check --plans plans.json` reads it back."""
        code, out, err = call("plan", "--arm", "high", "--weight", "62.5", *START, "--json", *extra)
        assert (code, err) == (0, "")
        plans = tmp_path / "plans.json"
        plans.write_text(out, encoding="utf-8")
        code, out, err = self.stop_check(tmp_path, str(plans), "2021-10-01", "--json")
        assert (code, err) == (0, "")
        assert json.loads(out)["decision"] == "continue"

    def test_a_plan_made_under_another_version_is_refused(self, tmp_path: Path) -> None:
        """§1 v2: a `plan --json` record labelled with another version is bad input (exit 2),
        one line naming ``protocol``, never read under rules it was not made with."""
        code, out, _ = call("plan", "--arm", "high", "--weight", "62.5", *START, "--json")
        record = {**json.loads(out), "protocol": {**LABEL, "version": "2.0"}}
        plans = write(tmp_path / "plans.json", [record])
        code, out, err = self.stop_check(tmp_path, plans, "2021-10-01")
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1
        assert f"{P}{plans}[0]: protocol: was planned under NCT04822922 version 2.0" in err

    def test_what_was_given_is_accepted(self, tmp_path: Path) -> None:
        """§4.6: a plans file whose infusions carry cells given, lot and viability is read."""
        plan = plan_infusions(Patient.from_dict(ELIGIBLE), "high", date(2021, 10, 2))
        plan = record_infusion(
            plan, 1, date(2021, 10, 2), cells=90_000_000, lot="UC-1", viability_percent=65
        )
        plans = write(tmp_path / "plans.json", [plan.to_dict()])
        code, _, err = self.stop_check(tmp_path, plans, "2021-10-03")
        assert (code, err) == (0, "")

    def test_a_bad_lot_is_one_line_with_its_path(self, tmp_path: Path) -> None:
        """§4.6, §10: a lot with a line break in a plans file is bad input, named by path."""
        plan = record_infusion(
            plan_infusions(Patient.from_dict(ELIGIBLE), "high", date(2021, 10, 2)),
            1,
            date(2021, 10, 2),
        ).to_dict()
        plan["infusions"][0]["lot"] = "UC\n1"
        plans = write(tmp_path / "plans.json", [plan])
        code, out, err = self.stop_check(tmp_path, plans, "2021-10-03")
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1
        assert "infusions[0].lot" in err


class TestJsonOutput:
    """--json (§10): one JSON line per record, the record's own key order."""

    def test_screen_one_object_per_patient(self) -> None:
        """`-` reads JSON lines; one object per patient, in order, exit 1 (not all eligible)."""
        stdin = "\n".join(json.dumps(r) for r in RECORDS)
        code, out, _ = call("screen", "-", *ON, "--json", stdin=stdin)
        assert code == 1
        assert [(r["patient_id"], r["status"]) for r in map(json.loads, out.splitlines())] == [
            ("RJ-001", "eligible"),
            ("RJ-002", "eligible"),
            ("RJ-003", "incomplete"),
            ("RJ-004", "ineligible"),
            ("RJ-005", "ineligible"),
            ("RJ-006", "eligible"),
            ("RJ-007", "incomplete"),
        ]

    def test_screen_names_the_patient_first(self) -> None:
        """Each screen --json line starts with the patient id, then the result."""
        code, out, _ = call("screen", "-", *ON, "--json", stdin=STDIN_ELIGIBLE)
        assert code == 0
        assert out.count("\n") == 1
        assert out.endswith("}\n")
        assert next(iter(json.loads(out).items())) == ("patient_id", "RJ-001")

    def test_plan_keeps_the_record_key_order(self) -> None:
        """--json keeps the record's key order (not sorted) and ends in one newline."""
        args = ("plan", "--arm", "low", "--weight", "60", *START, "--patient-id", "P-7", "--json")
        code, out, _ = call(*args)
        assert code == 0
        assert out.endswith("}\n")
        assert out.count("\n") == 1
        record = json.loads(out)
        assert list(record)[:6] == [
            *("patient_id", "protocol", "arm_id", "start", "weight_kg", "infusions"),
        ]
        assert [record[k] for k in list(record)[:5]] == ["P-7", LABEL, "low", "2021-09-30", "60"]
        assert list(record["infusions"][0].items()) == [
            ("number", 1),
            ("study_day", 1),
            ("date", "2021-09-30"),
            ("window_start", "2021-09-30"),
            ("window_end", "2021-09-30"),
            ("cells", 24_000_000),
            ("given_date", None),
            ("cells_given", None),
            ("lot", None),
            ("viability_percent", None),
            ("cancelled", False),
        ]

    @pytest.mark.usefixtures("workdir")
    def test_every_json_output_names_the_protocol(self) -> None:
        """§1 v2, §10: screen (each object), plan, stop-check and demo name nct_id and version;
        the demo's stop-rule evaluations and screenings too."""
        stop = ("--plans", "plans.json", "--events", "events.jsonl", "--on", "2021-10-11")
        outputs = {
            "screen": call("screen", "cohort.json", *ON, "--json")[1],
            "plan": call("plan", "--arm", "low", "--weight", "60", *START, "--json")[1],
            "stop-check": call("stop-check", *stop, "--json")[1],
        }
        for command, out in outputs.items():
            records = [json.loads(line) for line in out.splitlines()]
            assert records, command
            assert all(r["protocol"] == LABEL for r in records), command
        assert len(outputs["screen"].splitlines()) == len(RECORDS)
        demo = json.loads(call("demo", "--json")[1])
        assert demo["protocol"] == {**LABEL, "study_id": "MSC-ACLF-1"}
        nested = [*demo["screening"], *demo["plans"], *demo["safety"]]
        assert {json.dumps(r["protocol"]) for r in nested} == {json.dumps(LABEL)}

    def test_demo_is_one_document(self) -> None:
        """demo --json is the demo report's record: screening, plans and safety."""
        code, out, err = call("demo", "--json")
        assert (code, err) == (0, "")
        assert out.count("\n") == 1
        report = json.loads(out)
        assert report == json.loads(json.dumps(run_demo().to_dict()))
        assert [s["decision"] for s in report["safety"]] == ["continue", "suspend", "terminate"]


class TestDemoCommand:
    """`demo` prints the demo report (tests/test_demo.py pins its text) and one newline."""

    def test_prints_the_report_text(self) -> None:
        """The report's text, one final newline, nothing on stderr, exit 0."""
        assert call("demo") == (0, run_demo().text() + "\n", "")


class TestExitCodes:
    """§10: 0 success, 1 a negative answer, 2 bad input or usage."""

    @pytest.mark.parametrize(
        ("args", "stdin", "code"),
        [
            (("demo",), "", 0),
            (("screen", "eligible.json", *ON), "", 0),
            (("screen", "cohort.json", *ON), "", 1),
            (("screen", "rj003.json", *ON), "", 1),
            (("screen", "-", *ON), json.dumps(RECORDS[3]), 1),
            (("plan", "--arm", "low", "--weight", "60", *START), "", 0),
            (
                (
                    "stop-check",
                    "--plans",
                    "plans.json",
                    "--events",
                    "events.jsonl",
                    "--on",
                    "2021-10-06",
                ),
                "",
                0,
            ),
            (
                (
                    "stop-check",
                    "--plans",
                    "plans.json",
                    "--events",
                    "first-events.jsonl",
                    "--on",
                    "2021-10-08",
                ),
                "",
                1,
            ),
            (
                (
                    "stop-check",
                    "--plans",
                    "plans.json",
                    "--events",
                    "events.jsonl",
                    "--on",
                    "2021-10-11",
                ),
                "",
                1,
            ),
            (("schema", "patient"), "", 0),
            (("screen", "bad.json", *ON), "", 2),
            ((), "", 2),
        ],
    )
    @pytest.mark.usefixtures("workdir")
    def test_exit_code(self, args: tuple[str, ...], stdin: str, code: int) -> None:
        """Each command's answer is its exit code; only bad input writes to stderr."""
        got, out, err = call(*args, stdin=stdin)
        assert got == code
        assert bool(err) is (code == 2)
        assert bool(out) is (code != 2)

    def test_module_entry_point(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """``python -m aclf_protocol`` exits with main()'s code."""
        import runpy

        monkeypatch.setattr(sys, "argv", ["aclf-protocol", "plan"])
        with pytest.raises(SystemExit) as exit_:
            runpy.run_module("aclf_protocol", run_name="__main__")
        assert exit_.value.code == 2

    def test_bare_protocol_error_is_one_line(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A ProtocolError without field problems prints its message after the program name."""
        from aclf_protocol import ProtocolError
        from aclf_protocol import demo as demo_module

        def broken(*, protocol: object = None) -> None:  # noqa: ARG001 - as run_demo
            raise ProtocolError("the demo cohort could not be read")

        monkeypatch.setattr(demo_module, "run_demo", broken)
        assert call("demo") == (2, "", P + "the demo cohort could not be read\n")


class TestConsoleEntryPoint:
    """The real ``python -m aclf_protocol`` prints what main() prints, and never a traceback."""

    @pytest.mark.parametrize(
        ("args", "stdin"),
        [
            (("demo",), ""),
            (("screen", "eligible.json", *ON), ""),
            (("screen", "-", *ON, "--json"), "\n".join(json.dumps(r) for r in RECORDS)),
            (("screen", "bad.json", *ON), ""),
            (("plan", "--arm", "high", "--weight", "62.5", *START, "--concentration", "2e6"), ""),
            (("plan", "--arm", "low", "--weight", "60", "--start", "30/09/2021"), ""),
        ],
    )
    def test_same_as_main(self, workdir: Path, args: tuple[str, ...], stdin: str) -> None:
        """Exit code, stdout and stderr of the subprocess equal main()'s in-process."""
        args = tuple(str(workdir / a) if (workdir / a).is_file() else a for a in args)
        done = run(*args, stdin=stdin)
        assert (done.returncode, done.stdout, done.stderr) == call(*args, stdin=stdin)
        assert "Traceback" not in done.stderr


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
        code, out, err = call("screen", "-", *ON, stdin=text)
        assert code in {0, 1, 2}
        if code == 2:
            assert err
            assert out == ""
            assert all(line.startswith(P) for line in err.splitlines())
        else:
            assert err == ""

    @given(text=st.text(max_size=60))
    def test_screen_survives_any_text(self, text: str) -> None:
        """Not even JSON: a clean exit 2 (or a screened record, if the text happens to be)."""
        code, _, err = call("screen", "-", *ON, stdin=text)
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

    @pytest.mark.parametrize("record", ["patient", "safety-event", "infusion-plan", "protocol"])
    def test_prints_the_committed_schema(self, record: str) -> None:
        """The output is byte for byte the file in docs/schema/."""
        code, out, _ = call("schema", record)
        assert code == 0
        committed = ROOT / "docs" / "schema" / f"{record}.schema.json"
        assert out == committed.read_text(encoding="utf-8")

    def test_schema_validates_the_spec_record(self) -> None:
        """The printed patient schema accepts SPEC §9's record and refuses a zero weight."""
        import jsonschema

        schema = json.loads(call("schema", "patient")[1])
        jsonschema.validate(ELIGIBLE, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**ELIGIBLE, "weight_kg": 0}, schema)


# --- protocol versions (§1 v2, §10 v2): --protocol, `protocol show/check/diff` ----------------

PROTOCOLS = ROOT / "docs" / "protocols"
V1 = str(PROTOCOLS / "nct04822922-1.0.toml")
V2 = str(PROTOCOLS / "nct04822922-2.0.toml")
RJ005 = json.dumps(RECORDS[4])  # 72 on 2021-10-01: over the age limit 70 of version 1.0


def bad_amendment() -> str:
    """The example amendment with three mistakes: an age limit of 200, a negative interval,
    and the Day 4 window's days_after in words (§1 v2: each reported with its path)."""
    text = Path(V2).read_text(encoding="utf-8")
    for good, bad in (
        ("\nmax_age_years = 75\n", "\nmax_age_years = 200\n"),
        ("\nmin_interval_days = 2\n", "\nmin_interval_days = -1\n"),
        ("\ndays_after = 2\n", '\ndays_after = "two"\n'),
    ):
        assert good in text
        text = text.replace(good, bad, 1)
    return text


@pytest.fixture
def protocol_dir(workdir: Path) -> Path:
    """The scratch directory with protocol files in JSON and TOML, good and bad."""
    from aclf_protocol.protocol import Protocol

    amendment = Protocol.from_file(V2)
    write(workdir / "v2.json", amendment.to_dict())
    (workdir / "bad.toml").write_text(bad_amendment(), encoding="utf-8")
    (workdir / "broken.toml").write_text('version = "2.0\n', encoding="utf-8")
    write(workdir / "bad-protocol.json", {"max_age_years": "old", "arms": []})
    (workdir / "rj005.json").write_text(RJ005, encoding="utf-8")
    return workdir


@pytest.mark.usefixtures("protocol_dir")
class TestProtocolOption:
    """§10 v2: `--protocol FILE` on every command applies that version; bad files exit 2."""

    def test_the_example_amendment_makes_rj005_eligible(self) -> None:
        """issue 11 "Done means": RJ-005 (72) is INELIGIBLE under 1.0, ELIGIBLE under 2.0."""
        assert call("screen", "rj005.json", *ON)[0] == 1
        code, out, err = call("screen", "rj005.json", *ON, "--protocol", V2, "--json")
        assert (code, err) == (0, "")
        assert json.loads(out)["status"] == "eligible"
        code, out, _ = call("screen", "rj005.json", *ON, "--protocol", V2)
        assert "I1 met: age 72 on 2021-10-01 is within 18-75" in out

    @pytest.mark.parametrize(
        "command",
        [
            ("screen", "rj005.json", *ON),
            ("plan", "--arm", "low", "--weight", "60", *START),
            (
                "stop-check",
                "--plans",
                "plans.json",
                "--events",
                "events.jsonl",
                "--on",
                "2021-10-09",
            ),
            ("demo",),
        ],
        ids=["screen", "plan", "stop-check", "demo"],
    )
    def test_every_answer_names_version_2(self, command: tuple[str, ...]) -> None:
        """§1 v2: under the amendment the text opens with its version and --json names it."""
        _, text, _ = call(*command, "--protocol", V2)
        if command[0] != "demo":
            header = text.splitlines()[0].split()
            assert header[:4] == ["protocol", "NCT04822922", "version", "2.0"]
        _, out, _ = call(*command, "--protocol", V2, "--json")
        first = json.loads(out.splitlines()[0]) if command[0] == "screen" else json.loads(out)
        assert first["protocol"]["version"] == "2.0"

    def test_the_built_in_file_is_the_default(self) -> None:
        assert call("screen", "rj005.json", *ON, "--protocol", V1) == call(
            "screen", "rj005.json", *ON
        )

    def test_a_json_protocol_file(self) -> None:
        assert call("screen", "rj005.json", *ON, "--protocol", "v2.json")[0] == 0

    def test_plan_uses_the_wider_day_4_window(self) -> None:
        args = ("plan", "--arm", "low", "--weight", "60", *START, "--json")
        [window] = {
            (i["window_start"], i["window_end"])
            for i in json.loads(call(*args, "--protocol", V2)[1])["infusions"]
            if i["study_day"] == 4
        }
        assert window == ("2021-10-01", "2021-10-05")

    def test_stop_check_and_demo_take_it(self) -> None:
        stop = (
            "stop-check",
            "--plans",
            "plans.json",
            "--events",
            "events.jsonl",
            "--on",
            "2021-10-09",
        )
        assert call(*stop, "--protocol", V1)[0] == call(*stop)[0]
        assert call("demo", "--protocol", V1)[0] == 0
        assert call("demo", "--protocol", V2)[0] == 0

    @pytest.mark.parametrize(
        "command",
        [
            ("demo",),
            ("screen", "rj005.json"),
            ("plan", "--arm", "low", "--weight", "60", *START),
            (
                "stop-check",
                "--plans",
                "plans.json",
                "--events",
                "events.jsonl",
                "--on",
                "2021-10-09",
            ),
            ("protocol", "show"),
        ],
    )
    def test_a_bad_protocol_file_exits_2_naming_each_problem(
        self, command: tuple[str, ...]
    ) -> None:
        code, out, err = call(*command, "--protocol", "bad.toml")
        assert (code, out) == (2, "")
        lines = err.splitlines()
        assert len(lines) == 3
        assert all(line.startswith(f"{P}bad.toml: ") for line in lines)
        for path in ("max_age_years", "min_interval_days", "infusion_days[1].days_after"):
            assert any(path in line for line in lines), path

    def test_a_missing_file(self) -> None:
        code, _, err = call("demo", "--protocol", "nowhere.toml")
        assert code == 2
        assert err.startswith(f"{P}nowhere.toml: ")
        assert not err.startswith(f"{P}nowhere.toml: nowhere.toml")  # named once
        assert len(err.splitlines()) == 1


class TestProtocolShow:
    """`protocol show [FILE]`: the protocol in words (or its document with --json)."""

    def test_the_built_in(self) -> None:
        from aclf_protocol.amendment import describe_protocol
        from aclf_protocol.protocol import NCT04822922

        code, out, err = call("protocol", "show")
        assert (code, err) == (0, "")
        assert out == "\n".join(describe_protocol(NCT04822922)) + "\n"

    def test_a_file_and_the_option_agree(self) -> None:
        code, out, _ = call("protocol", "show", V2)
        assert code == 0
        assert out.splitlines()[0] == "NCT04822922 version 2.0, effective 2022-03-01"
        assert call("protocol", "show", "--protocol", V2) == (code, out, "")

    def test_json_is_the_protocol_document(self) -> None:
        from aclf_protocol.protocol import NCT04822922, Protocol

        code, out, _ = call("protocol", "show", "--json")
        assert code == 0
        assert Protocol.from_dict(out) == NCT04822922

    def test_toml_is_the_document_a_trial_manager_edits(self, tmp_path: Path) -> None:
        from aclf_protocol.protocol import Protocol, protocol_toml

        code, out, _ = call("protocol", "show", V2, "--toml")
        assert code == 0
        assert out == protocol_toml(Protocol.from_file(V2))
        (tmp_path / "copy.toml").write_text(out, encoding="utf-8")
        assert Protocol.from_file(tmp_path / "copy.toml") == Protocol.from_file(V2)

    def test_json_and_toml_together_is_a_usage_error(self) -> None:
        code, out, err = call("protocol", "show", "--json", "--toml")
        assert (code, out) == (2, "")
        assert err.startswith(f"{P}usage error: ")

    def test_file_and_option_together_is_a_usage_error(self) -> None:
        code, out, err = call("protocol", "show", V1, "--protocol", V2)
        assert (code, out) == (2, "")
        assert err.startswith(f"{P}usage error: ")


@pytest.mark.usefixtures("protocol_dir")
class TestProtocolCheck:
    """`protocol check FILE...`: exit 0 with one line per valid file, 2 naming every problem."""

    def test_the_example_files_are_valid(self) -> None:
        code, out, err = call("protocol", "check", V1, V2)
        assert (code, err) == (0, "")
        assert out.splitlines() == [
            f"{V1}: NCT04822922 version 1.0, effective 2021-09-30",
            f"{V2}: NCT04822922 version 2.0, effective 2022-03-01",
        ]

    def test_json(self) -> None:
        code, out, _ = call("protocol", "check", V2, "--json")
        assert code == 0
        assert json.loads(out) == {
            "file": V2, "nct_id": "NCT04822922", "version": "2.0", "effective_date": "2022-03-01",
        }  # fmt: skip

    @pytest.mark.parametrize(
        "name", ["bad.toml", "broken.toml", "bad-protocol.json", "missing.toml"]
    )
    def test_bad_files_exit_2_with_one_line_per_problem(self, name: str) -> None:
        code, out, err = call("protocol", "check", name)
        assert (code, out) == (2, "")
        assert err
        assert all(line.startswith(f"{P}{name}: ") for line in err.splitlines())

    def test_every_problem_of_every_file(self) -> None:
        code, out, err = call("protocol", "check", "bad.toml", V2, "bad-protocol.json")
        assert code == 2
        assert out == f"{V2}: NCT04822922 version 2.0, effective 2022-03-01\n"
        assert {line.split(": ")[1] for line in err.splitlines()} == {
            "bad.toml",
            "bad-protocol.json",
        }
        assert any("max_age_years" in line for line in err.splitlines() if "bad-protocol" in line)

    def test_transcript(self) -> None:
        runs = [
            Run("the example amendment is valid", ("protocol", "check", V2)),
            Run(
                "every problem of a bad TOML file, with its path", ("protocol", "check", "bad.toml")
            ),
            Run("a TOML syntax error", ("protocol", "check", "broken.toml")),
            Run("a bad JSON protocol file", ("protocol", "check", "bad-protocol.json")),
        ]
        text = transcript(runs).replace(str(ROOT) + "/", "")
        assert_golden("cli/protocol_check.txt", text)


@pytest.mark.usefixtures("protocol_dir")
class TestProtocolDiff:
    """`protocol diff OLD NEW`: the amendment's changes; exit 0 when equal, 1 when they differ."""

    def test_the_example_amendment_changes_exactly_four_things(self) -> None:
        """issue 11 "Done means": age limit, Day 4 window, version, effective date; no more."""
        code, out, err = call("protocol", "diff", V1, V2, "--json")
        assert (code, err) == (1, "")
        document = json.loads(out)
        assert (document["old"]["version"], document["new"]["version"]) == ("1.0", "2.0")
        assert [c["path"] for c in document["changes"]] == [
            "version",
            "effective_date",
            "infusion_days[1].days_before",
            "infusion_days[1].days_after",
            "max_age_years",
        ]

    def test_text(self) -> None:
        code, out, _ = call("protocol", "diff", V1, V2)
        assert code == 1
        lines = out.splitlines()
        assert lines[0].endswith(": 5 changes")
        assert lines[-1] == "  max_age_years: maximum age (years, §5 I1): 70 → 75"

    def test_a_file_against_itself(self) -> None:
        code, out, err = call("protocol", "diff", V2, "v2.json", "--json")
        assert (code, err) == (0, "")
        assert json.loads(out)["changes"] == []
        code, out, _ = call("protocol", "diff", V2, V2)
        assert (code, out.endswith(": no changes\n")) == (0, True)

    def test_one_change(self, protocol_dir: Path) -> None:
        from aclf_protocol.protocol import NCT04822922

        write(protocol_dir / "v1.1.json", {**NCT04822922.to_dict(), "version": "1.1"})
        code, out, _ = call("protocol", "diff", V1, "v1.1.json")
        assert code == 1
        assert out.splitlines()[0].endswith(": 1 change")
        assert out.splitlines()[1:] == ["  version: protocol version (§1): 1.0 → 1.1"]

    def test_bad_files_name_every_problem(self) -> None:
        code, out, err = call("protocol", "diff", "bad.toml", "bad-protocol.json")
        assert (code, out) == (2, "")
        assert {line.split(": ")[1] for line in err.splitlines()} == {
            "bad.toml",
            "bad-protocol.json",
        }

    def test_transcript(self) -> None:
        runs = [Run("the example amendment", ("protocol", "diff", V1, V2))]
        assert_golden("cli/protocol_diff.txt", transcript(runs).replace(str(ROOT) + "/", ""))

    def test_help_texts(self, capsys: pytest.CaptureFixture[str]) -> None:
        texts = [
            f"$ {shlex.join(['aclf-protocol', *c, '--help'])}\n{help_of(capsys, *c)}"
            for c in (
                ("protocol",),
                ("protocol", "show"),
                ("protocol", "check"),
                ("protocol", "diff"),
            )
        ]
        assert_golden("cli/help_protocol.txt", "\n".join(texts))
