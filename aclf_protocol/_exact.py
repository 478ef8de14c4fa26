"""The library's own decimal context, so no result depends on the caller's (SPEC §0 *v2*).

``Decimal`` operators read the calling thread's context: a host whose context has ``prec=3``
or traps ``Inexact`` would change or break our arithmetic. Every public function doing
decimal arithmetic runs under :data:`EXACT` instead, by decorating it with :func:`exact`; a
generator runs under it at each step, and the caller has its own context between steps.
Where a quotient is rounded again after division (a volume to 0.1 mL, §3.4), :data:`WIDE`
divides with more digits, so the first rounding never decides the second.

>>> import decimal
>>> from decimal import Decimal
>>> @exact
... def third() -> Decimal:
...     return Decimal(1) / Decimal(3)
>>> with decimal.localcontext(decimal.Context(prec=3, traps=[decimal.Inexact])):
...     str(third())[:12]
'0.3333333333'
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    getcontext,
    setcontext,
)
from typing import ParamSpec, TypeVar

__all__ = ["EXACT", "WIDE", "exact"]

P = ParamSpec("P")
R = TypeVar("R")

#: Python's default precision and rounding, the widest exponents (1e9999999 µmol/L reaches a
#: range check instead of raising Overflow), and only the traps that signal a real error.
EXACT = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
#: :data:`EXACT` with 50 digits: for a quotient that is rounded again (dosing, §3.4, §3.5).
WIDE = EXACT.copy()
WIDE.prec = 50


def exact(func: Callable[P, R]) -> Callable[P, R]:
    """*func* run under :data:`EXACT`, whatever the caller's decimal context.

    A generator function runs under it each time it is resumed, never while the caller
    holds an item (the caller's own arithmetic keeps the caller's context). :data:`EXACT`
    itself is made the thread's context, not a copy, so a call from another ``@exact``
    function costs one test (plans call doses call weights); the caller's context is put
    back on the way out. Only its flags change while it is in use, which nothing reads.
    """
    if inspect.isgeneratorfunction(func):
        return _exact_generator(func)  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        outer = getcontext()
        if outer is EXACT:
            return func(*args, **kwargs)
        setcontext(EXACT)
        try:
            return func(*args, **kwargs)
        finally:
            setcontext(outer)

    return wrapper


def _exact_generator(func: Callable[P, Iterator[R]]) -> Callable[P, Iterator[R]]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Iterator[R]:
        steps = func(*args, **kwargs)  # a generator runs nothing before its first step
        step = exact(next)
        while True:
            try:
                item = step(steps)
            except StopIteration:
                return
            yield item

    return wrapper
