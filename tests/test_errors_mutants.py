"""Error behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §0 (an error names the field, the value and the rule, on one
line) or of issue #5 (a record's problems are listed together) that a surviving mutant of
``aclf_protocol/errors.py`` broke without any other test noticing.
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


class TestSingleProblem:
    """§0: one value breaking one rule."""

    def test_fields_and_text(self) -> None:
        """§0: field, value and rule are kept and printed as 'field: rule; got value'."""
        err = InvalidValueError("labs.inr", -1, "must be > 0")
        assert (err.field, err.value, err.rule) == ("labs.inr", -1, "must be > 0")
        assert str(err) == "labs.inr: must be > 0; got -1"
        assert err.problems == (err,)

    def test_pickles_with_every_argument(self) -> None:
        """§0: an error sent to another process keeps its field, value and rule."""
        err = pickle.loads(pickle.dumps(InconsistentRecordError("grade", 5, "r")))
        assert type(err) is InconsistentRecordError
        assert (err.field, err.value, err.rule) == ("grade", 5, "r")

    def test_repr_of_exactly_200_characters_is_shown_whole(self) -> None:
        """§0: a value whose repr is 200 characters is printed whole; 201 are cut to 200."""
        whole = "x" * 198  # repr adds two quotes: 200 characters
        assert str(InvalidValueError("f", whole, "r")) == f"f: r; got '{whole}'"
        cut = "x" * 199
        assert str(InvalidValueError("f", cut, "r")) == f"f: r; got '{cut[:199]}..."

    def test_unprintable_field_is_escaped(self) -> None:
        """§10: a tab in a field path is escaped, so one problem stays one line."""
        assert str(InvalidValueError("a\tb", 1, "r")) == "a\\tb: r; got 1"

    def test_under_puts_the_prefix_first(self) -> None:
        """§9: a nested problem gets its parent's key in front, keeping its class."""
        nested = UnknownKeyError("inr", 1, "is not a known key (§9)").under("labs")
        assert type(nested) is UnknownKeyError
        assert (nested.field, nested.value, nested.rule) == (
            "labs.inr",
            1,
            "is not a known key (§9)",
        )
        whole = InvalidValueError("", [], "must be an object").under("labs")
        assert (whole.field, whole.value, whole.rule) == ("labs", [], "must be an object")


class TestManyProblems:
    """Issue #5: several problems of one record, listed together."""

    def test_text_lists_each_problem(self) -> None:
        """Issue #5: the count, then each problem's text, separated by ' | '."""
        a = InvalidValueError("a", 1, "r")
        b = UnknownKeyError("b", 2, "s")
        err = InvalidRecordError((a, b))
        assert str(err) == "2 problems: a: r; got 1 | b: s; got 2"
        assert err.problems == (a, b)

    def test_pickles(self) -> None:
        """Issue #5: the list of problems survives a pickle round trip."""
        err = pickle.loads(pickle.dumps(InvalidRecordError((InvalidValueError("a", 1, "r"),))))
        assert [str(p) for p in err.problems] == ["a: r; got 1"]

    def test_root_has_no_problems(self) -> None:
        """§0: a bare ProtocolError stands for no single problem, and is a ValueError."""
        err = ProtocolError("x")
        assert err.problems == ()
        assert isinstance(err, ValueError)


class TestSecondMeasurement:
    """§0: what the second measurement still found unpinned."""

    def test_args_are_the_constructor_arguments(self) -> None:
        """§0: ``args`` (and so ``repr``) hold the field, the value and the rule as given."""
        err = InvalidValueError("labs.inr", -1, "must be > 0")
        assert err.args == ("labs.inr", -1, "must be > 0")
        assert repr(err) == "InvalidValueError('labs.inr', -1, 'must be > 0')"
        problems = (err,)
        assert InvalidRecordError(problems).args == (problems,)

    def test_printable_non_ascii_field_is_kept(self) -> None:
        """§10: a printable accented key is shown as it is; only unprintables are escaped."""
        assert str(InvalidValueError("poids_é", 1, "r")) == "poids_é: r; got 1"
