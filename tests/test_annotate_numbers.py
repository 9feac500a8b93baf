"""One definition per number (issue 26, point 5): the annotated video's labels say what the reps table says. A
hinge's trunk, hip and knee are tabled as the change from standing (the chart draws them so too); the video drew
the absolute angles ("hip 146" beside a table's 31°). Real MediaPipe on a rendered clip; the labels read from
what is drawn on each frame."""
from __future__ import annotations

import numpy as np
import pytest

from screening import analyze, write_outputs
from screening import annotate

pytestmark = pytest.mark.rendered


def test_a_hinges_video_labels_are_the_tables_change_from_standing(repo, tmp_path, monkeypatch):
    drawn = []
    real_draw = annotate.draw

    def spy(rgb, pts, values, view_kind, near, time_s, header):
        drawn.append((time_s, dict(values), header))
        return real_draw(rgb, pts, values, view_kind, near, time_s, header)

    monkeypatch.setattr(annotate, "draw", spy)
    screen = analyze(repo / "sample_videos" / "hinge_side_clean_a.mp4", pattern="hinge")
    write_outputs(screen, tmp_path / "out")
    video = [d for d in drawn if "view, facing" in d[2] and d[2].startswith("side")]
    assert len(video) > 50 and all(h.endswith("angles from standing") for _, _, h in video)
    t = np.array([d[0] for d in video])
    for rep in screen.reps:
        inside = (t >= rep.start_s) & (t <= rep.end_s)
        for name in ("hip_flexion_deg", "trunk_inclination_deg"):
            peak = np.nanmax([video[i][1][name] for i in np.flatnonzero(inside)])
            assert peak == pytest.approx(rep.metrics[name], abs=1.5), (rep.index, name, peak, rep.metrics[name])
