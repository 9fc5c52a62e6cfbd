"""The build engines (fa_nlp.data.engine): the same results in the same order whatever the engine and
the number of workers; a dead local worker is a clear error, not a hang; bad settings fail early."""

from __future__ import annotations

import os
from functools import partial

import pytest

from fa_nlp.data.engine import check_engine, ordered_map

SQUARE = partial(pow, exp=2)  # module-level builtin: picklable by reference in spawned workers


@pytest.mark.parametrize(("engine", "workers"), [("local", 1), ("local", 2), ("dask", 2)])
def test_results_in_input_order_whatever_the_engine(engine, workers):
    # a window smaller than the input: results must come back in order while later items are in flight
    got = list(ordered_map(SQUARE, range(30), engine=engine, workers=workers, window=3))
    assert got == [x * x for x in range(30)]


def test_init_runs_before_work_in_process():
    calls: list[str] = []
    out = list(ordered_map(len, ["ab", "c"], init=lambda: calls.append("init")))
    assert out == [2, 1] and calls == ["init"]


def test_dead_local_worker_is_a_clear_error_not_a_hang():
    # os._exit in the worker kills it mid-task: multiprocessing.Pool would wait forever for that task
    with pytest.raises(RuntimeError, match="worker process died"):
        list(ordered_map(os._exit, [3, 3, 3], workers=2))


def test_exceptions_in_the_work_function_propagate():
    with pytest.raises(TypeError):
        list(ordered_map(SQUARE, [1, "x"], engine="dask", workers=1))


@pytest.mark.parametrize(("engine", "workers", "address", "message"), [
    ("spark", 1, "", "engine must be one of"),
    ("local", 0, "", "workers must be >= 1"),
    ("local", 2, "tcp://head:8786", "needs --engine dask"),
])
def test_bad_engine_settings_rejected(engine, workers, address, message):
    with pytest.raises(ValueError, match=message):
        check_engine(engine, workers, address)
