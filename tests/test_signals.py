"""The moving median every cleaning stage uses: equal to the median taken sample by sample, and bounded in
memory whatever the clip's length (issue 18: memory flat in clip length)."""
import tracemalloc

import numpy as np
import pytest

from screening.signals import MOVING_BLOCK_ROWS, moving_nanmedian


def _naive(x, h):
    pad = np.pad(x, [(h, h)] + [(0, 0)] * (x.ndim - 1), mode="edge")
    med = np.full_like(x, np.nan)
    mad = np.full_like(x, np.nan)
    for i in range(len(x)):
        w = pad[i:i + 2 * h + 1]
        for j in np.ndindex(x.shape[1:]):
            v = w[(slice(None),) + j]
            v = v[np.isfinite(v)]
            if len(v):
                med[(i,) + j] = m = np.median(v)
                mad[(i,) + j] = np.median(np.abs(v - m))
    return med, mad


@pytest.mark.fast
def test_equals_the_median_taken_sample_by_sample_across_blocks_and_gaps():
    rng = np.random.default_rng(3)
    n = 2 * MOVING_BLOCK_ROWS + 77  # three blocks, the last one short
    x = rng.normal(size=(n, 3, 2)).cumsum(axis=0)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[100:140, 1] = np.nan  # a gap longer than the window: all-NaN windows give NaN, not a warning
    med, mad = moving_nanmedian(x, 7, mad=True)
    want_med, want_mad = _naive(x, 7)
    np.testing.assert_allclose(med, want_med, equal_nan=True)
    np.testing.assert_allclose(mad, want_mad, equal_nan=True)
    assert np.isnan(med[120, 1]).all()
    np.testing.assert_allclose(moving_nanmedian(x[:, 0, 0], 3), _naive(x[:, :1, :1], 3)[0][:, 0, 0], equal_nan=True)


def test_memory_does_not_grow_with_the_clip():
    """A 10-min clip's landmarks at 30 frames/s and a 1-s window: the whole windowed copy took 1.3 GB (45 MB in blocks)."""
    x = np.random.default_rng(0).normal(size=(18000, 33, 2))
    tracemalloc.start()
    try:
        moving_nanmedian(x, 15, mad=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60e6, f"{peak / 1e6:.0f} MB"


def test_quiet_holds_while_another_thread_enters_and_leaves():
    """The page's server runs the pipeline on the camera's thread and the script's side by side: one thread
    leaving ``quiet`` must not bring numpy's all-NaN warnings back for the other, and after both have left
    the filters are as they were."""
    import threading
    import warnings

    from screening.signals import quiet

    seen = []
    stop = threading.Event()

    def churn():
        while not stop.is_set():
            with quiet():
                pass

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        before = list(warnings.filters)
        shown = warnings.showwarning
        warnings.showwarning = lambda *a, **k: seen.append(str(a[0]))
        try:
            t = threading.Thread(target=churn)
            t.start()
            with quiet():
                for _ in range(3000):
                    np.nanmedian(np.full((4, 3), np.nan), axis=1)
            stop.set()
            t.join()
        finally:
            warnings.showwarning = shown
        assert seen == [], seen[:3]
        assert warnings.filters == before
        with pytest.warns(RuntimeWarning):  # outside, the warning is back
            np.nanmedian(np.full(3, np.nan))
