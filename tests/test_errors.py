"""The ``ProtocolError`` family (§0, §10): what an error keeps and how it prints.

An error names the field, the value and the rule, on one line; a record's problems are listed
together. The printed wording is the product (the CLI shows it), so the texts are kept in the
golden file ``tests/golden/errors/messages.txt``, one case a line.
"""

from __future__ import annotations

import pickle

from aclf_protocol import (
    InconsistentRecordError,
    InvalidRecordError,
    InvalidValueError,
    ProtocolError,
    UnknownKeyError,
)
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
