"""`pyemu fleet`: reproducible on any number of workers and on a Dask cluster.

Small fleets (20 patients x 1 year) keep these quick; dask is a test
dependency, so a missing dask fails here rather than skipping.
"""
from __future__ import annotations

import dataclasses

import pytest
from dask.distributed import LocalCluster
from hypothesis import given, strategies as st

from pyemu.therapy.fleet import run_fleet
from pyemu.therapy.fleet_runner import chunks as _chunks

N, SPAN, SEED = 20, 365, 11


@pytest.fixture(scope="module")
def one_worker():
    return run_fleet(N, SPAN, SEED, workers=1)


def _patients(report):
    return [dataclasses.asdict(p) for p in report.patients]


def test_same_seed_gives_the_same_report_on_one_and_two_workers(one_worker):
    """Invariant: a patient's randomness depends on (seed, index) only, so the pool layout
    cannot change any per-patient result or any population figure."""
    two = run_fleet(N, SPAN, SEED, workers=2)
    assert two.workers == "2 local processes"
    assert _patients(two) == _patients(one_worker)
    assert two.figures() == one_worker.figures()


def test_a_different_seed_gives_a_different_population(one_worker):
    """Invariant: the seed matters (the equality above is not vacuous)."""
    other = run_fleet(N, SPAN, SEED + 1, workers=1)
    assert _patients(other) != _patients(one_worker)


def test_fleet_on_a_local_dask_cluster_matches_the_local_run(one_worker):
    """Invariant: the Dask path runs the same chunks and gives the same report."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        seen = []
        report = run_fleet(N, SPAN, SEED, scheduler=cluster.scheduler_address,
                           progress=lambda done, total: seen.append((done, total)))
    assert "2 Dask worker(s)" in report.workers
    assert report.figures() == one_worker.figures()
    assert _patients(report) == _patients(one_worker)
    assert seen and seen[-1] == (N, N)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_progress_reaches_every_patient_on_the_local_pool():
    """Invariant: progress is monotone and ends at n of n."""
    seen = []
    run_fleet(6, 30, SEED, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (6, 6)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("kwargs", [dict(n=0, span_days=30), dict(n=3, span_days=0),
                                    dict(n=3, span_days=30, workers=0)])
def test_nonsense_fleet_sizes_are_refused(kwargs):
    """Invariant: an empty fleet, an empty span or no workers is a clear ValueError."""
    with pytest.raises(ValueError):
        run_fleet(seed=1, **kwargs)


@given(n=st.integers(1, 5000), workers=st.integers(1, 256))
def test_chunks_partition_the_patients_in_order(n, workers):
    """Invariant: the work units cover every patient index exactly once, in order,
    none empty and none over 25 patients, whatever the fleet size and worker count."""
    chunks = _chunks(n, workers)
    assert [i for c in chunks for i in c] == list(range(n))
    assert all(1 <= len(c) <= 25 for c in chunks)
