"""The ``ProtocolError`` family (§0, §10): what an error keeps and how it prints.

An error names the field, the value and the rule, on one line; a record's problems are listed
together. The printed wording is the product (the CLI shows it), so the texts are kept in the
golden file ``tests/golden/errors/messages.txt``, one case a line.
"""

from __future__ import annotations

import inspect
import json
import pickle
import re
from datetime import date
from decimal import Decimal

import pytest

from aclf_protocol import (
    InconsistentRecordError,
    InvalidRecordError,
    InvalidValueError,
    ProtocolError,
    UnknownKeyError,
    errors,
)
from aclf_protocol.errors import DuplicateKeyError, InvalidJsonError, MissingFactError
from tests.fixtures import assert_golden

#: (case, error) whose ``str`` the golden file holds, in this order.
MESSAGES: list[tuple[str, ProtocolError]] = [
    ("one problem", InvalidValueError("labs.inr", -1, "must be > 0")),
    ("repr of 200 characters, whole", InvalidValueError("f", "x" * 198, "r")),
    ("repr of 201 characters, cut to 200", InvalidValueError("f", "x" * 199, "r")),
    ("huge int", InvalidValueError("labs.inr", 10**5000, "must be > 0")),
    ("tab in the field, escaped", InvalidValueError("a\tb", 1, "r")),
    ("printable accent, kept", InvalidValueError("poids_é", 1, "r")),
    (
        "two problems",
        InvalidRecordError((InvalidValueError("a", 1, "r"), UnknownKeyError("b", 2, "s"))),
    ),
    ("repr", InvalidValueError("labs.inr", -1, "must be > 0")),
]


def test_message_texts() -> None:
    """§0, §10: every error prints as 'field: rule; got value', one line each."""
    lines = []
    for case, err in MESSAGES:
        text = repr(err) if case == "repr" else str(err)
        assert "\n" not in text
        lines.append(f"{case}: {text}")
    assert_golden("errors/messages.txt", "\n".join(lines) + "\n")


class TestSingleProblem:
    """§0: one value breaking one rule."""

    def test_fields_are_kept(self) -> None:
        """§0: field, value and rule are kept; the error is its own single problem."""
        err = InvalidValueError("labs.inr", -1, "must be > 0")
        assert (err.field, err.value, err.rule) == ("labs.inr", -1, "must be > 0")
        assert err.problems == (err,)

    def test_args_are_the_constructor_arguments(self) -> None:
        """§0: ``args`` hold the field, the value and the rule as given (so it pickles)."""
        err = InvalidValueError("labs.inr", -1, "must be > 0")
        assert err.args == ("labs.inr", -1, "must be > 0")
        problems = (err,)
        assert InvalidRecordError(problems).args == (problems,)

    def test_pickles_with_every_argument(self) -> None:
        """§0: an error sent to another process keeps its class, field, value and rule."""
        err = pickle.loads(pickle.dumps(InconsistentRecordError("grade", 5, "r")))
        assert type(err) is InconsistentRecordError
        assert (err.field, err.value, err.rule) == ("grade", 5, "r")

    def test_long_values_are_cut(self) -> None:
        """§0: a repr up to 200 characters is shown whole; a longer one ends in '...'."""
        whole = str(InvalidValueError("f", "x" * 198, "r"))
        assert whole.endswith("x'")
        cut = str(InvalidValueError("f", "x" * 199, "r"))
        assert cut == f"f: r; got '{'x' * 199}..."
        assert len(str(InvalidValueError("patient_id", "x" * 1000, "rule"))) < 300


class TestNestedPaths:
    """§9: a nested problem gets its parent's key in front of its path."""

    def test_under_puts_the_prefix_first(self) -> None:
        """The class, value and rule are kept; the path grows by one key."""
        nested = UnknownKeyError("inr", 1, "is not a known key (§9)").under("labs")
        assert type(nested) is UnknownKeyError
        assert (nested.field, nested.value, nested.rule) == (
            "labs.inr",
            1,
            "is not a known key (§9)",
        )

    def test_a_whole_record_takes_the_key(self) -> None:
        """An error about the whole record (empty field) is named by the key alone."""
        whole = InvalidValueError("", [], "must be an object").under("labs")
        assert (whole.field, whole.value, whole.rule) == ("labs", [], "must be an object")


class TestManyProblems:
    """Issue #5: several problems of one record, listed together."""

    def test_problems_in_order(self) -> None:
        """Issue #5: each problem is kept, in the order given."""
        a = InvalidValueError("a", 1, "r")
        b = UnknownKeyError("b", 2, "s")
        err = InvalidRecordError((a, b))
        assert err.problems == (a, b)
        assert str(err).startswith("2 problems: ")

    def test_pickles(self) -> None:
        """Issue #5: the list of problems survives a pickle round trip."""
        err = pickle.loads(pickle.dumps(InvalidRecordError((InvalidValueError("a", 1, "r"),))))
        assert [(p.field, p.value, p.rule) for p in err.problems] == [("a", 1, "r")]

    def test_root_has_no_problems(self) -> None:
        """§0: a bare ProtocolError stands for no single problem, and is a ValueError."""
        err = ProtocolError("x")
        assert err.problems == ()
        assert isinstance(err, ValueError)


#: Each error class and its stable machine code (§0 v2): callers switch on these.
CODES: list[tuple[type[ProtocolError], str]] = [
    (ProtocolError, "protocol_error"),
    (InvalidValueError, "invalid_value"),
    (UnknownKeyError, "unknown_key"),
    (DuplicateKeyError, "duplicate_key"),
    (InvalidJsonError, "invalid_json"),
    (InconsistentRecordError, "inconsistent_record"),
    (MissingFactError, "missing_fact"),
    (InvalidRecordError, "invalid_record"),
]


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


#: Values an error may hold that JSON cannot, and what ``to_dict`` gives for each.
ODD_VALUES: list[tuple[object, object]] = [
    (date(2021, 10, 4), "datetime.date(2021, 10, 4)"),
    (Decimal("62.5"), "Decimal('62.5')"),
    (Decimal("NaN"), "Decimal('NaN')"),
    (float("nan"), "nan"),
    (float("inf"), "inf"),
    (10**5000, "<int too large to print>"),
    (_Opaque(), "<opaque>"),
    (b"\xff", "b'\\xff'"),
    ({"a": 1}, "{'a': 1}"),
    ((1, "a", None, True), [1, "a", None, True]),
    ([1, date(2021, 1, 1)], "[1, datetime.date(2021, 1, 1)]"),
    ("x" * 300, "x" * 300),
]


class TestMachineForm:
    """§0 v2: every ProtocolError has a stable ``code`` and a JSON-compatible ``to_dict()``."""

    @pytest.mark.parametrize(("kind", "code"), CODES, ids=[c for _, c in CODES])
    def test_each_class_has_its_code(self, kind: type[ProtocolError], code: str) -> None:
        """The class attribute and the machine form carry the same snake_case code."""
        assert kind.code == code
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", code)
        err = kind(()) if kind is InvalidRecordError else kind("f", 1, "r")
        if kind is ProtocolError:
            err = ProtocolError("x")
        assert err.to_dict()["code"] == code

    def test_every_error_class_is_listed_with_a_code_of_its_own(self) -> None:
        """No class of ``aclf_protocol.errors`` is missing from the table; no code is shared."""
        classes = {
            obj
            for name in errors.__all__
            if inspect.isclass(obj := getattr(errors, name)) and issubclass(obj, ProtocolError)
        }
        assert classes == {kind for kind, _ in CODES}
        assert len({code for _, code in CODES}) == len(CODES)

    def test_a_single_problem(self) -> None:
        """``{"code", "path", "value", "rule"}``, in that order."""
        err = DuplicateKeyError("labs.inr", "inr", "a key must appear once (§0)")
        assert err.to_dict() == {
            "code": "duplicate_key",
            "path": "labs.inr",
            "value": "inr",
            "rule": "a key must appear once (§0)",
        }
        assert list(err.to_dict()) == ["code", "path", "value", "rule"]

    def test_a_record_lists_its_problems(self) -> None:
        """InvalidRecordError: ``{"code": "invalid_record", "problems": [...]}``, each coded."""
        err = InvalidRecordError(
            (InvalidValueError("a", 1, "r"), UnknownKeyError("b", date(2021, 1, 1), "s"))
        )
        assert err.to_dict() == {
            "code": "invalid_record",
            "problems": [
                {"code": "invalid_value", "path": "a", "value": 1, "rule": "r"},
                {
                    "code": "unknown_key",
                    "path": "b",
                    "value": "datetime.date(2021, 1, 1)",
                    "rule": "s",
                },
            ],
        }

    def test_a_bare_protocol_error_lists_no_problem(self) -> None:
        """The root class stands for no single problem."""
        assert ProtocolError("x").to_dict() == {"code": "protocol_error", "problems": []}

    @pytest.mark.parametrize(
        ("value", "shown"), ODD_VALUES, ids=[type(v).__name__ for v, _ in ODD_VALUES]
    )
    def test_odd_values_become_json(self, value: object, shown: object) -> None:
        """A date, a Decimal, NaN, a huge int, an object: their repr; the form is strict JSON."""
        form = InvalidValueError("f", value, "r").to_dict()
        assert form["value"] == shown
        text = json.dumps(form, allow_nan=False)
        assert json.loads(text) == form

    def test_a_real_refusal(self) -> None:
        """A record the library refuses gives the machine form of each of its problems."""
        from aclf_protocol import Patient

        with pytest.raises(ProtocolError) as caught:
            Patient.from_dict('{"patient_id": "a\\nb", "patient_id": "P", "sex": "x"}')
        form = json.loads(json.dumps(caught.value.to_dict(), allow_nan=False))
        assert form == {
            "code": "duplicate_key",
            "path": "patient_id",
            "value": "patient_id",
            "rule": "a key must appear once in a JSON object (§0)",
        }
