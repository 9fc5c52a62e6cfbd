"""Where a build's per-shard work runs: in this process, in local worker processes, or on a Dask cluster.

    fa-nlp build wordorder --corpus fa_text --num-proc 2                      # local: 2 worker processes
    fa-nlp build wordorder --corpus fa_text --engine dask --num-proc 2        # a 2-worker local Dask cluster
    dask scheduler --port 8786                                                # a cluster: on one machine,
    dask worker tcp://HEAD:8786 --nworkers 16 --nthreads 1                    # on every machine (fa-nlp installed),
    fa-nlp build wordorder --corpus fa_text --engine dask --address tcp://HEAD:8786   # then the build

    from fa_nlp.data.engine import ordered_map
    for result in ordered_map(process_shard, shards, engine="dask", workers=2):
        ...

Every engine runs the same module-level function on the same shards and hands the results back in
input order, so what the builder writes does not depend on the engine or the number of workers
(byte-identical output). At most `window` shards are in flight (default 2 per worker), so memory in
the driver and in each worker is bounded by the shard size, never by the corpus.

Engines:
- `local` (default, no extra dependency): `workers=1` runs in this process; more starts a bounded
  spawn-based process pool on this machine.
- `dask` (`pip install 'fa-nlp[dask]'`): a `distributed` cluster; without `address` a local one with
  `workers` single-threaded worker processes, with it the cluster at that scheduler address. When a
  worker dies, the scheduler reruns its unfinished shards on the others (up to
  `distributed.scheduler.allowed-failures` times per shard): results are still taken in input order,
  one per shard, so nothing is lost or duplicated. Exceptions raised by the work function are not
  retried (bad input stops the build with its error, as in process).
Why Dask: see the README ("Builds on a cluster"); in short, measured against Ray and datatrove it
installs small (pure Python), starts a local cluster in seconds, passes plain functions and results
without a dataset abstraction, and connects to a real cluster with one address.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

ENGINES = ("local", "dask")
# A local cluster on a small machine shares its cores with the work: no statistical profiler sampling
# every worker thread (every 10 ms by default), no work stealing (shards are uniform and taken in
# order), fewer event-loop ticks. A cluster reached by address keeps its own configuration.
_LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.active-memory-manager.start": False,  # nothing to rebalance: results leave at once
}


def ordered_map(fn: Callable[[Any], Any], items: Iterable[Any], *, engine: str = "local", workers: int = 1,
                address: str = "", init: Callable[[], Any] | None = None, window: int | None = None
                ) -> Iterator[Any]:
    """`map(fn, items)` on `engine`, results in input order, at most `window` items in flight.

    `fn` must be picklable (module-level, or a `functools.partial` of one); `init` runs once in each
    worker before its first item (e.g. loading word lists), in whichever process runs the work.
    """
    check_engine(engine, workers, address)
    if engine == "dask":
        yield from _dask_map(fn, items, workers, address, init, window)
    elif workers <= 1:
        if init is not None:
            init()
        yield from map(fn, items)
    else:
        yield from _pool_map(fn, items, workers, init, window or 2 * workers)


def check_engine(engine: str, workers: int, address: str = "") -> None:
    """A clear error before any work: unknown engine, a missing extra, or an address for `local`."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, not {workers}")
    if address and engine != "dask":
        raise ValueError(f"an address ({address}) needs --engine dask")
    if engine == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ImportError("--engine dask needs Dask: pip install 'fa-nlp[dask]' (dask + distributed)") from None


def _pool_map(fn: Callable[[Any], Any], items: Iterable[Any], workers: int, init: Callable[[], Any] | None,
              window: int) -> Iterator[Any]:
    """Bounded (unlike `Pool.imap`, whose feeder thread drains the input), ordered process pool.

    A worker that dies (killed, out of memory) fails the build with a clear error instead of hanging
    (`multiprocessing.Pool` waits forever for a lost task): the local engine does not recompute; Dask does.
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # spawn, not fork: the parent may already run pyarrow/tqdm threads, and forking a threaded
    # process can deadlock.
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=init) as pool:
        pending: deque = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:
            raise RuntimeError("a local worker process died (killed, or out of memory?): nothing was written; "
                               "rerun, lower --shard-size, or use --engine dask, which recomputes a lost "
                               "worker's shards") from None
        finally:
            for f in pending:
                f.cancel()


def _dask_map(fn: Callable[[Any], Any], items: Iterable[Any], workers: int, address: str,
              init: Callable[[], Any] | None, window: int | None) -> Iterator[Any]:
    """Submit shards as they are read, keep `window` futures, yield the oldest's result: ordered and bounded."""
    from distributed import Client

    cluster = None
    if address:
        client = Client(address)
    else:
        cluster = local_cluster(workers)
        client = Client(cluster)
    try:
        if init is not None:
            client.register_worker_callbacks(setup=init)  # also runs in workers that join or restart later
        slots = sum(client.nthreads().values()) or workers
        window = window or 2 * slots
        pending: deque = deque()
        for item in items:
            # pure=False: two equal shards are still two tasks (counts must add up)
            pending.append(client.submit(fn, item, pure=False))
            if len(pending) >= window:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def local_cluster(workers: int) -> Any:
    """A local Dask cluster of `workers` single-threaded worker processes, tuned for a small machine.

    Each worker keeps its nanny: the nanny restarts a worker that dies, so a killed worker's shards
    are recomputed even when it was the last one (without nannies the build would wait for a worker
    forever); nannies cost ~0.5 CPU-s each to start and next to nothing after. No dashboard (its web
    server is of no use to a batch build). The same cluster can serve several builds: pass
    `cluster.scheduler_address` as `address` (the benchmark does, to time the engine phase apart
    from the start-up); close it with `cluster.close()` or use it as a context manager.
    """
    import dask
    from distributed import LocalCluster

    with dask.config.set(_LOCAL_CLUSTER_CONFIG):  # the nannies pass it on to their workers
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                            silence_logs=logging.ERROR)


def _result(future: Any) -> Any:
    """The shard's result; the future is released at once so the worker can free it."""
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as e:  # the same shard took down several workers: retrying again would not help
        raise RuntimeError(f"a shard killed every Dask worker that ran it ({e.args[2] if len(e.args) > 2 else '?'} "
                           "allowed failures; out of memory?): nothing was written; lower --shard-size or give "
                           "the workers more memory") from e
    finally:
        future.release()

