"""Command line ``aclf-protocol`` (SPEC §10): the only module that reads files, parses argv
or prints.

Exit codes: 0 success (for ``screen``: every patient eligible); 1 a negative answer (a patient
ineligible or incomplete; a stop-check that suspends or terminates; ``protocol diff`` of two
versions that differ, like ``diff``); 2 bad input or usage, with one line per problem on stderr
and never a traceback. ``--protocol FILE`` applies a protocol version read from JSON or TOML
(§1 *v2*, §10 *v2*).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, NoReturn

from aclf_protocol.errors import InvalidJsonError, ProtocolError
from aclf_protocol.interchange import loads, parse_date, parse_decimal

if TYPE_CHECKING:
    from aclf_protocol.protocol import Protocol

__all__ = ["main"]

EXIT_OK = 0
EXIT_NEGATIVE = 1
EXIT_BAD_INPUT = 2

_PROG = "aclf-protocol"


class _UsageError(Exception):
    """A usage problem found by argparse; becomes one stderr line and exit 2."""


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit code 2, never a traceback."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


class _BadInputError(Exception):
    """Bad input files or values: every problem, one line each."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__(*lines)
        self.lines = tuple(lines)


def _problem_lines(err: ProtocolError, where: str = "") -> list[str]:
    prefix = f"{where}: " if where else ""
    return [f"{prefix}{p}" for p in err.problems or (err,)]


# --- reading input ---------------------------------------------------------------------------


def _read_text(name: str, stdin: IO[str]) -> str:
    if name == "-":
        return stdin.read()
    try:
        with open(name, encoding="utf-8") as handle:  # noqa: PTH123 - the CLI is the I/O edge
            return handle.read()
    except OSError as err:
        raise _BadInputError([f"{name}: cannot read file: {err.strerror}"]) from None


def _records(name: str, stdin: IO[str]) -> list[tuple[str, object]]:
    """The JSON records of a file: one object, a JSON array, or JSON lines (§10).

    Returns (where, record) pairs, *where* naming the file and the item for messages. Every
    text is read by ``interchange.loads``: a repeated key or a NaN is refused with its path
    (§0 *v2*), in a document as in a line.
    """
    text = _read_text(name, stdin)
    label = "<stdin>" if name == "-" else name
    try:
        whole = loads(text, what="record")
    except InvalidJsonError:  # not one JSON document: try JSON lines
        whole = None
    except ProtocolError as err:
        raise _BadInputError(_document_problem_lines(err, label)) from None
    else:
        if isinstance(whole, list):
            return [(f"{label}[{i}]", item) for i, item in enumerate(whole)]
        return [(label, whole)]
    return _json_lines(text, label)


def _document_problem_lines(err: ProtocolError, label: str) -> list[str]:
    """One line per problem of a JSON document; one in an array's item is named ``file[i]``."""
    lines = []
    for problem in err.problems:
        item = _ITEM.match(problem.field)
        if item is None or item.end() == len(problem.field):
            lines.append(f"{label}: {problem}")
        else:
            inner = type(problem)(problem.field[item.end() :], problem.value, problem.rule)
            lines.append(f"{label}[{item[1]}]: {inner}")
    return lines


#: The array index that opens a path (``[3].history.hiv``).
_ITEM = re.compile(r"\[([0-9]+)\]\.?")


def _json_lines(text: str, label: str) -> list[tuple[str, object]]:
    """The records of JSON lines, numbered from 1, blank lines skipped; every problem listed."""
    records: list[tuple[str, object]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{label}:{number}"
        try:
            records.append((where, loads(line, what="record")))
        except InvalidJsonError as err:
            problems.append(f"{where}: {err.rule}")
        except ProtocolError as err:
            problems.extend(_problem_lines(err, where))
    if problems:
        raise _BadInputError(problems)
    if not records:
        raise _BadInputError([f"{label}: no JSON record found"])
    return records


def _from_records(
    name: str, stdin: IO[str], from_dict: Callable[[object], Any]
) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    problems: list[str] = []
    for where, record in _records(name, stdin):
        try:
            items.append((where, from_dict(record)))
        except ProtocolError as err:
            problems.extend(_problem_lines(err, where))
    if problems:
        raise _BadInputError(problems)
    return items


def _date_arg(text: str) -> date:
    try:
        return parse_date(text, "date")
    except ProtocolError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _decimal_arg(text: str) -> Decimal:
    try:
        return parse_decimal(text, "number")
    except ProtocolError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _protocol_file(path: str) -> Protocol:
    """The protocol of a JSON or TOML file (§1 *v2*); every problem names the file and path."""
    from aclf_protocol.protocol import Protocol  # noqa: PLC0415

    try:
        return Protocol.from_file(path)
    except ProtocolError as err:
        # A problem of the file itself (unreadable, not TOML) is already named by the file.
        raise _BadInputError(
            [
                str(problem) if getattr(problem, "field", None) == path else f"{path}: {problem}"
                for problem in err.problems or (err,)
            ]
        ) from None


def _protocol(args: argparse.Namespace) -> Protocol:
    """``--protocol FILE``, or the built-in NCT04822922 without it (§10 *v2*)."""
    from aclf_protocol.protocol import NCT04822922  # noqa: PLC0415

    path: str | None = args.protocol
    return NCT04822922 if path is None else _protocol_file(path)


def _emit(out: IO[str], payload: object) -> None:
    out.write(json.dumps(payload, sort_keys=False, default=str) + "\n")


# --- commands ----------------------------------------------------------------------------------


def _cmd_screen(args: argparse.Namespace, out: IO[str], stdin: IO[str]) -> int:
    from aclf_protocol.eligibility import EligibilityStatus, check_eligibility  # noqa: PLC0415
    from aclf_protocol.patient import Patient  # noqa: PLC0415
    from aclf_protocol.reports import header_line, screening_lines  # noqa: PLC0415

    protocol = _protocol(args)
    on: date = args.on or date.today()  # noqa: DTZ011 - the CLI alone may read the clock
    problems: list[str] = []
    patients: list[tuple[str, Patient]] = []
    for name in args.files:
        try:
            patients.extend(_from_records(name, stdin, Patient.from_dict))
        except _BadInputError as bad:
            problems.extend(bad.lines)
    all_eligible = True
    named: Protocol | None = None  # the protocol the text output last named (§1 v2)
    for where, patient in patients:
        try:
            result = check_eligibility(patient, on, protocol=protocol)
        except ProtocolError as err:
            problems.extend(_problem_lines(err, where))
            continue
        all_eligible &= result.status is EligibilityStatus.ELIGIBLE
        if args.json:
            _emit(out, result.to_dict())  # it opens with "patient_id", then names the protocol
        else:
            if result.protocol != named:
                named = result.protocol
                out.write(header_line(named) + "\n")
            out.write("\n".join(screening_lines(result)) + "\n")
    if problems:
        raise _BadInputError(problems)
    return EXIT_OK if all_eligible else EXIT_NEGATIVE


def _cmd_plan(args: argparse.Namespace, out: IO[str], stdin: IO[str]) -> int:
    from aclf_protocol.patient import Patient  # noqa: PLC0415
    from aclf_protocol.reports import header_line, plan_lines, plan_record  # noqa: PLC0415
    from aclf_protocol.schedule import build_plan, plan_infusions  # noqa: PLC0415

    protocol = _protocol(args)
    if args.patient is not None:
        found = _from_records(args.patient, stdin, Patient.from_dict)
        if len(found) != 1:
            raise _BadInputError([f"{args.patient}: --patient needs exactly one patient record"])
        plan = plan_infusions(found[0][1], args.arm, args.start, protocol=protocol)
    else:
        plan = build_plan(
            patient_id=args.patient_id,
            weight_kg=args.weight,
            arm=args.arm,
            start=args.start,
            protocol=protocol,
        )
    if args.concentration is not None and args.concentration <= 0:
        raise _BadInputError(
            [f"--concentration: must be > 0 cells/mL (§3.4); got {args.concentration}"]
        )
    payload = plan_record(plan, concentration_cells_per_ml=args.concentration, protocol=protocol)
    if args.json:
        _emit(out, payload)  # it names the protocol (§1 v2)
    else:
        out.write("\n".join([header_line(protocol), *plan_lines(payload)]) + "\n")
    return EXIT_OK


def _cmd_stop_check(args: argparse.Namespace, out: IO[str], stdin: IO[str]) -> int:
    from aclf_protocol.reports import header_line, plan_from_record, stop_lines  # noqa: PLC0415
    from aclf_protocol.safety import SafetyEvent  # noqa: PLC0415
    from aclf_protocol.schedule import InfusionPlan  # noqa: PLC0415
    from aclf_protocol.stop_rules import StudyDecision, evaluate_stop_rules  # noqa: PLC0415

    protocol = _protocol(args)
    problems: list[str] = []
    plans: list[InfusionPlan] = []
    events: list[SafetyEvent] = []

    def read_plan(record: object) -> InfusionPlan:
        return plan_from_record(record, protocol=protocol)

    try:
        # §10: what `plan --json` prints is read here, its derived figures checked.
        plans = [p for _, p in _from_records(args.plans, stdin, read_plan)]
    except _BadInputError as bad:
        problems.extend(bad.lines)
    try:
        events = [e for _, e in _from_records(args.events, stdin, SafetyEvent.from_dict)]
    except _BadInputError as bad:
        problems.extend(bad.lines)
    if problems:
        raise _BadInputError(problems)
    result = evaluate_stop_rules(plans, events, on=args.on, protocol=protocol)
    if args.json:
        _emit(out, result.to_dict())  # it names the protocol (§1 v2)
    else:
        out.write("\n".join([header_line(result.protocol), *stop_lines(result)]) + "\n")
    return EXIT_OK if result.decision is StudyDecision.CONTINUE else EXIT_NEGATIVE


def _cmd_schema(args: argparse.Namespace, out: IO[str], stdin: IO[str]) -> int:  # noqa: ARG001
    from aclf_protocol.schema import schema_texts  # noqa: PLC0415

    out.write(schema_texts()[f"{args.record}.schema.json"])
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace, out: IO[str], stdin: IO[str]) -> int:  # noqa: ARG001
    from aclf_protocol.demo import run_demo  # noqa: PLC0415

    report = run_demo(protocol=_protocol(args))
    if args.json:
        _emit(out, report.to_dict())
    else:
        out.write(report.text() + "\n")
    return EXIT_OK


def _cmd_protocol_show(args: argparse.Namespace, out: IO[str], stdin: IO[str]) -> int:  # noqa: ARG001
    from aclf_protocol.amendment import describe_protocol  # noqa: PLC0415

    if args.file is not None and args.protocol is not None:
        raise _UsageError("protocol show: give FILE or --protocol FILE, not both")
    if args.file is not None:
        args.protocol = args.file
    protocol = _protocol(args)
    if args.json and args.toml:
        raise _UsageError("protocol show: give --json or --toml, not both")
    if args.toml:
        from aclf_protocol.protocol import protocol_toml  # noqa: PLC0415

        out.write(protocol_toml(protocol))
    elif args.json:
        _emit(out, protocol.to_dict())
    else:
        out.write("\n".join(describe_protocol(protocol)) + "\n")
    return EXIT_OK


def _cmd_protocol_check(args: argparse.Namespace, out: IO[str], stdin: IO[str]) -> int:  # noqa: ARG001
    problems: list[str] = []
    for path in args.files:
        try:
            protocol = _protocol_file(path)
        except _BadInputError as bad:
            problems.extend(bad.lines)
            continue
        if args.json:
            _emit(out, {"file": path, **_protocol_label(protocol)})
        else:
            out.write(f"{path}: {_protocol_line(protocol)}\n")
    if problems:
        raise _BadInputError(problems)
    return EXIT_OK


def _protocol_label(protocol: Protocol) -> dict[str, str]:
    return {
        "nct_id": protocol.nct_id,
        "version": protocol.version,
        "effective_date": protocol.effective_date.isoformat(),
    }


def _protocol_line(protocol: Protocol) -> str:
    """``NCT04822922 version 2.0, effective 2022-03-01``."""
    return (
        f"{protocol.nct_id} version {protocol.version}, "
        f"effective {protocol.effective_date.isoformat()}"
    )


def _cmd_protocol_diff(args: argparse.Namespace, out: IO[str], stdin: IO[str]) -> int:  # noqa: ARG001
    from aclf_protocol.amendment import protocol_changes  # noqa: PLC0415
    from aclf_protocol.protocol import protocol_label  # noqa: PLC0415

    problems: list[str] = []
    versions = []
    for path in (args.old, args.new):
        try:
            versions.append(_protocol_file(path))
        except _BadInputError as bad:
            problems.extend(bad.lines)
    if problems:
        raise _BadInputError(problems)
    old, new = versions
    changes = protocol_changes(old, new)
    if args.json:
        # §10 v2: every --json output names the protocols it is about.
        _emit(
            out,
            {
                "old": protocol_label(old),
                "new": protocol_label(new),
                "changes": [c.to_dict() for c in changes],
            },
        )
    else:
        count = {0: "no changes", 1: "1 change"}.get(len(changes), f"{len(changes)} changes")
        out.write(
            f"{args.old} ({_protocol_line(old)}) -> {args.new} ({_protocol_line(new)}): {count}\n"
        )
        out.writelines(f"  {c.path}: {c.reason}\n" for c in changes)
    return EXIT_NEGATIVE if changes else EXIT_OK


# --- argument parsing --------------------------------------------------------------------------


def _parser() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable JSON output")
    common.add_argument(
        "--protocol",
        metavar="FILE",
        help="the protocol version to apply, JSON or TOML (default: built-in NCT04822922)",
    )
    json_only = _Parser(add_help=False)
    json_only.add_argument("--json", action="store_true", help="machine-readable JSON output")
    parser = _Parser(
        prog=_PROG,
        description="Trial NCT04822922 (UC-MSC for ACLF): screening, dosing, schedules, safety.",
        epilog="Exit codes: 0 success; 1 negative answer (ineligible/incomplete patient, "
        "suspend/terminate, protocol versions that differ); 2 bad input or usage.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = commands.add_parser("demo", parents=[common], help="run the built-in example cohort")
    demo.set_defaults(run=_cmd_demo)

    screen = commands.add_parser("screen", parents=[common], help="screen patient records (§5)")
    screen.add_argument(
        "files", nargs="+", metavar="FILE", help="JSON, JSON array or JSON lines; - for stdin"
    )
    screen.add_argument("--on", type=_date_arg, help="screening date YYYY-MM-DD (default: today)")
    screen.set_defaults(run=_cmd_screen)

    plan = commands.add_parser(
        "plan", parents=[common], help="infusion calendar and cells (§3, §4)"
    )
    plan.add_argument("--arm", required=True, help="low, medium or high")
    who = plan.add_mutually_exclusive_group(required=True)
    who.add_argument("--weight", type=_decimal_arg, metavar="KG", help="baseline weight in kg")
    who.add_argument("--patient", metavar="FILE", help="a patient record (JSON); - for stdin")
    plan.add_argument("--patient-id", default="PATIENT", help="id for --weight plans")
    plan.add_argument("--start", required=True, type=_date_arg, help="Day 1 = first infusion")
    plan.add_argument(
        "--concentration", type=_decimal_arg, metavar="CELLS_PER_ML", help="product concentration"
    )
    plan.set_defaults(run=_cmd_plan)

    stop = commands.add_parser("stop-check", parents=[common], help="evaluate stop rules (§6)")
    stop.add_argument("--plans", required=True, metavar="FILE", help="infusion plan records")
    stop.add_argument("--events", required=True, metavar="FILE", help="safety event records")
    stop.add_argument("--on", required=True, type=_date_arg, help="evaluate as of YYYY-MM-DD")
    stop.set_defaults(run=_cmd_stop_check)

    schema = commands.add_parser(
        "schema", help="print the JSON Schema of a record, to validate before calling (§9)"
    )
    schema.add_argument("record", choices=["patient", "safety-event", "infusion-plan", "protocol"])
    schema.set_defaults(run=_cmd_schema)

    protocol = commands.add_parser(
        "protocol", help="show, check or compare protocol versions (files in JSON or TOML, §1)"
    )
    actions = protocol.add_subparsers(dest="action", required=True, parser_class=_Parser)
    show = actions.add_parser(
        "show", parents=[common], help="the protocol in words: arms, days, criteria, parameters"
    )
    show.add_argument("file", nargs="?", metavar="FILE", help="default: built-in NCT04822922")
    show.add_argument(
        "--toml", action="store_true", help="the protocol document as TOML, to start an amendment"
    )
    show.set_defaults(run=_cmd_protocol_show)
    check = actions.add_parser(
        "check", parents=[json_only], help="validate protocol files: every problem with its path"
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="JSON or TOML protocol file")
    check.set_defaults(run=_cmd_protocol_check)
    diff = actions.add_parser(
        "diff",
        parents=[json_only],
        help="what NEW changes in OLD, field by field (exit 1 when they differ)",
    )
    diff.add_argument("old", metavar="OLD", help="the protocol in force (JSON or TOML)")
    diff.add_argument("new", metavar="NEW", help="the amendment (JSON or TOML)")
    diff.set_defaults(run=_cmd_protocol_diff)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    stdin: IO[str] | None = None,
) -> int:
    """Run ``aclf-protocol`` with *argv*; returns the exit code (§10)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        code: int = args.run(args, out, stdin or sys.stdin)
    except SystemExit as exit_:  # --help and --version end here, with argparse's own code
        return int(exit_.code or 0)
    except _UsageError as usage:
        err.write(f"{_PROG}: usage error: {usage}\n")
        return EXIT_BAD_INPUT
    except _BadInputError as bad:
        err.writelines(f"{_PROG}: {line}\n" for line in bad.lines)
        return EXIT_BAD_INPUT
    except ProtocolError as problem:
        err.writelines(f"{_PROG}: {line}\n" for line in _problem_lines(problem))
        return EXIT_BAD_INPUT
    return code
