"""Knee valgus and pelvic drop from the front, on a population of rendered lunges (issue 29): where the reading
is lost, and how the shipped measures do on bodies left out of any fitting.

    python bench/front_lunge.py --table   # run the tool on every clip; rewrite bench/data/front_lunge_reps.json
    python bench/front_lunge.py           # the tables from that file; bench/front_lunge.md
    python bench/front_lunge.py --json    # ... and, as the last line, the numbers as one JSON object

The clips: sample_videos/lunges/ (72 front-view split squats, reverse and forward lunges on 36 bodies drawn with
a wide spread; valgus made as people make it, the knee turning medially about the hip-ankle line, 0-28 deg of
image FPPA at the bottom; the pelvis dropping 0 or 3-12 deg on the rear-leg side; shallow to deep; cameras 2.5-4 m
away at 0.8-1.3 m, up to 8 deg off square, portrait and landscape) and the main corpus's front-view lunges.

Each truth rep is paired with the tool's rep whose bottom is nearest. At the true bottom (the frames of the
rendered hold) the tracker's hip, knee and ankle are set against the true joints in the picture, one at a time
(the true FPPA with only the knee, only the hip or only the ankle taken from the tracker), raw and after the
tool's cleaning; the knee's distance medial of the hip-ankle line in leg lengths, true and read; and what the
tool reports for the rep (its FPPA reading, pelvic drop, the faults). Truth labels: knee valgus where the image
FPPA at the bottom is 10 deg or more, none where it is under 7.5 (between: too close to call, counted apart);
pelvic drop where the hip line drops 6 deg or more at the bottom, none under 3.5.
"""
from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

SET = ROOT / "sample_videos" / "lunges"
TABLE = ROOT / "bench" / "data" / "front_lunge_reps.json"
#: the shipped model against another on the same clips (`--model`): what compare_models measured
MODELS = ROOT / "bench" / "data" / "front_lunge_models.json"
FOLDS = 6
VALGUS_POS, VALGUS_NEG = 10.0, 7.5  # image FPPA at the bottom, deg
DROP_POS, DROP_NEG = 10.0, 7.5  # the pelvis at the bottom, deg: clear of the fault's 9 either side, as for valgus
SEEN_BINS = ((0.0, 0.35), (0.35, 0.5), (0.5, 0.65), (0.65, 0.8), (0.8, 1.3))


def clips() -> list[dict]:
    rows = [dict(clip=c["clip"], body=c["body"], path=SET / f"{c['clip']}.mp4", truth=SET / f"{c['clip']}.truth.json")
            for c in json.loads((SET / "corpus.json").read_text())]
    return rows


def fold_of(body: str) -> int:
    """A body's cross-validation fold (stable: a hash of its name)."""
    return zlib.crc32(body.encode()) % FOLDS


def _ang(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0], (a * b).sum(-1)))


def fppa(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, leg: str) -> np.ndarray:
    """Image FPPA (deg, valgus positive) from picture points (x right, y down), as the renderer's truth."""
    f = lambda p: np.stack([p[..., 0], -p[..., 1]], -1)  # noqa: E731
    g = _ang(f(knee) - f(hip), f(ankle) - f(knee))
    return g if leg == "left" else -g


def medial(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, leg: str) -> np.ndarray:
    """The knee's distance medial of the hip-ankle line in the picture (px, medial positive)."""
    d, u = ankle - hip, knee - hip
    side = (d[..., 0] * u[..., 1] - d[..., 1] * u[..., 0]) / np.linalg.norm(d, axis=-1)
    return side if leg == "left" else -side


def measure(clip: dict) -> list[dict]:
    """The tool on one clip (lunge, nothing written); one row per truth rep (see the module's docstring)."""
    from bench.accuracy import pair_frames
    from screening import analyze
    from screening.landmarks import of_leg
    from screening.lunge import BOTTOM_SHARE, FPPA_PERCENTILE

    screen = analyze(clip["path"], pattern="lunge", keep_frames=False, model_file=clip.get("model"))
    m = screen.measured
    kin, cs, raw = m.kinematics, m.clean, m.series.image[..., :2]
    truth = json.loads(Path(clip["truth"]).read_text())
    tt = np.asarray(truth["frames"]["time_s"])
    mi, ti = pair_frames(cs.time_s, tt, truth["fps"])
    J = {k: np.asarray(v, float) for k, v in truth["frames"]["joints_2d"].items()}
    out = []
    for rep_t in truth["reps"]:
        leg = rep_t["lead_leg"]
        row = dict(clip=clip["clip"], body=clip["body"], leg=leg, motion=truth["motion"],
                   camera_h=truth["camera"]["height_m"], portrait=truth["portrait"],
                   fppa_true=rep_t["fppa_bottom_deg"], medial_true=rep_t["knee_medial_leg_lengths"],
                   drop_true=rep_t["pelvic_drop_bottom_deg"], seen_true=rep_t["thigh_seen_bottom"],
                   read=False)
        # the true bottom: the rendered hold, +-0.1 s of the bottom time
        sel = np.abs(tt[ti] - rep_t["bottom_s"]) <= 0.1
        fi, tj = mi[sel], ti[sel]
        if len(fi):
            th, tk, ta = (J[f"{leg}_{j}"][tj] for j in ("hip", "knee", "ankle"))
            rh, rk, ra = (raw[fi, of_leg(j, leg)] for j in ("hip", "knee", "ankle"))
            ch, ck, ca = (cs.xy[fi, of_leg(j, leg)] for j in ("hip", "knee", "ankle"))
            leg0_true = float(np.linalg.norm(J[f"{leg}_hip"][0] - J[f"{leg}_knee"][0])
                              + np.linalg.norm(J[f"{leg}_knee"][0] - J[f"{leg}_ankle"][0]))
            leg0 = kin.segments.thigh + kin.segments.shank
            with np.errstate(invalid="ignore"):
                vals = dict(
                    fppa_raw=fppa(rh, rk, ra, leg), fppa_clean=fppa(ch, ck, ca, leg),
                    fppa_knee_only=fppa(th, rk, ta, leg), fppa_hip_only=fppa(rh, tk, ta, leg),
                    fppa_ankle_only=fppa(th, tk, ra, leg),
                    medial_raw=medial(rh, rk, ra, leg) / leg0, medial_clean=medial(ch, ck, ca, leg) / leg0,
                    knee_err_medial=(medial(th, rk, ta, leg) - medial(th, tk, ta, leg)) / leg0_true,
                    hip_err_x=(rh[:, 0] - th[:, 0]) * (1 if leg == "left" else -1) / leg0_true,
                    hip_err_y=(rh[:, 1] - th[:, 1]) / leg0_true,
                    seen_read=np.linalg.norm(ck - ch, axis=-1) / kin.segments.thigh)
            row.update({k: _r(np.nanmedian(v)) for k, v in vals.items()})
        # every other frame of the rep: each leg's landmarks against its true joints (leg lengths; x lateral
        # positive), with how much of the thigh the tool sees, to fit and check the hip landmark's offset
        sel = (tt[ti] >= rep_t["start_s"]) & (tt[ti] <= rep_t["end_s"])
        fi, tj = mi[sel][::2], ti[sel][::2]
        frames = []
        for lg in ("left", "right"):
            lat = 1.0 if lg == "left" else -1.0
            leg0_true = float(np.linalg.norm(J[f"{lg}_hip"][0] - J[f"{lg}_knee"][0])
                              + np.linalg.norm(J[f"{lg}_knee"][0] - J[f"{lg}_ankle"][0]))
            with np.errstate(invalid="ignore"):
                seen = np.linalg.norm(cs.xy[fi, of_leg("knee", lg)] - cs.xy[fi, of_leg("hip", lg)], axis=-1) \
                    / kin.segments.thigh
                e = {j: (raw[fi, of_leg(j, lg)] - J[f"{lg}_{j}"][tj]) / leg0_true for j in ("hip", "knee", "ankle")}
            frames.append(dict(leg=lg, front=lg == leg, seen=_rl(seen), hip_dx=_rl(lat * e["hip"][:, 0]),
                               hip_dy=_rl(e["hip"][:, 1]), knee_dx=_rl(lat * e["knee"][:, 0]),
                               knee_dy=_rl(e["knee"][:, 1]), ankle_dx=_rl(lat * e["ankle"][:, 0])))
        row["frames"] = frames
        row["view_kind"] = cs.view.kind
        got = sorted([r for r in screen.reps if rep_t["start_s"] - 0.3 <= r.bottom_s <= rep_t["end_s"] + 0.3],
                     key=lambda r: abs(r.bottom_s - rep_t["bottom_s"]))
        if got:
            r = got[0]
            # the tool's bottom of the rep (screening.lunge.BOTTOM_SHARE of its deepest drop): the clean
            # landmarks there and standing, to try hip models on without running the tool again
            a_, _, b_ = r.frames
            drop = np.asarray(screen.measured.movement.series["hip_drop_leg_lengths"])
            bot = np.arange(a_, b_ + 1)
            bot = bot[np.nan_to_num(drop[bot]) >= BOTTOM_SHARE * np.nanmax(drop[bot])]
            stand = np.flatnonzero((cs.time_s >= kin.baseline_window_s[0]) & (cs.time_s <= kin.baseline_window_s[1])) \
                if kin.baseline_window_s else np.arange(min(10, len(cs.time_s)))
            pts = {f"{lg}_{j}": of_leg(j, lg) for lg in ("left", "right") for j in ("hip", "knee", "ankle")}
            row["bottom_xy"] = {k: np.round(cs.xy[bot, i], 2).tolist() for k, i in pts.items()}
            row["stand_xy"] = {k: np.round(np.nanmedian(cs.xy[stand, i], axis=0), 2).tolist() for k, i in pts.items()}
            row["leg_px"] = round(float(kin.segments.thigh + kin.segments.shank), 2)
            row["thigh_px"] = round(float(kin.segments.thigh), 2)
            row["person_left"] = float(np.sign(np.nanmedian(cs.xy[:, of_leg("hip", "left"), 0]
                                                            - cs.xy[:, of_leg("hip", "right"), 0])))
            # the truth by the tool's own reading: at the frames it read, with its statistic
            used = screen.measured.movement.series["fppa_frames"][a_:b_ + 1]
            ai = np.asarray(truth["frames"]["angles_image"].get(f"knee_valgus_fppa_{r.lead_leg}_deg", []), float) \
                if r.lead_leg else np.zeros(0)
            idx = [int(np.argmin(np.abs(tt - x))) for x in cs.time_s[a_:b_ + 1][used]]
            if idx and len(ai):
                row["fppa_true_read"] = round(float(np.percentile(ai[idx], FPPA_PERCENTILE)), 3)
            row.update(read=True, variant=screen.lunge.variant if screen.lunge else None, lead_read=r.lead_leg, fppa_reported=_r(r.metrics.get("knee_valgus_fppa_deg")),
                       drop_reported=_r(r.metrics.get("pelvic_obliquity_change_deg")),
                       faults=sorted({f.code for f in r.faults}), notes=[n.code for n in r.notes])
        out.append(row)
    return out


def _rl(x: np.ndarray) -> list:
    return [None if not np.isfinite(v) else round(float(v), 4) for v in x]


def _r(x) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 4)


def frame_table(reps: list[dict], front: bool | None = None) -> dict[str, np.ndarray]:
    """Every stored frame of every rep's legs, as columns (``front``: only the front legs, only the rear ones)."""
    cols: dict[str, list] = {k: [] for k in ("body", "seen", "front", "hip_dx", "hip_dy", "knee_dx", "knee_dy")}
    for r in reps:
        for f in r.get("frames", []):
            if front is not None and f["front"] != front:
                continue
            n = len(f["seen"])
            cols["body"] += [r["body"]] * n
            cols["front"] += [f["front"]] * n
            for k in ("seen", "hip_dx", "hip_dy", "knee_dx", "knee_dy"):
                cols[k] += [np.nan if v is None else v for v in f[k]]
    return {k: np.asarray(v, float if k not in ("body", "front") else object) for k, v in cols.items()}


def hip_design(seen: np.ndarray) -> np.ndarray:
    """The hip landmark's offset model's columns: 1 and how much of the thigh's length the picture misses."""
    x = 1.0 - np.clip(seen, 0.0, 1.2)
    return np.stack([np.ones_like(x), x, x ** 2], -1)


def fit_hip_offsets(ft: dict[str, np.ndarray]) -> np.ndarray:
    """(2, 3): the hip landmark's offset from the joint centre (leg lengths; x lateral, y down) as a quadratic
    in the share of the thigh the picture misses, least squares over the frames given."""
    ok = np.isfinite(ft["seen"]) & np.isfinite(ft["hip_dx"]) & np.isfinite(ft["hip_dy"])
    A = hip_design(ft["seen"][ok])
    return np.stack([np.linalg.lstsq(A, ft[k][ok], rcond=None)[0] for k in ("hip_dx", "hip_dy")])


def corrected(r: dict, coef: np.ndarray, where: str = "bottom_xy") -> dict[str, np.ndarray]:
    """A rep's stored clean landmarks (``where``: bottom_xy or stand_xy) with the hips moved by the offset model
    ``coef`` (see :func:`fit_hip_offsets`)."""
    P = {k: np.atleast_2d(np.asarray(v, float)) for k, v in r[where].items()}
    out = dict(P)
    for lg in ("left", "right"):
        seen = np.linalg.norm(P[f"{lg}_knee"] - P[f"{lg}_hip"], axis=-1) / r["thigh_px"]
        A = hip_design(np.nan_to_num(seen, nan=1.0))
        dx, dy = A @ coef[0], A @ coef[1]
        lat = r["person_left"] * (1.0 if lg == "left" else -1.0)
        out[f"{lg}_hip"] = P[f"{lg}_hip"] - np.stack([dx * lat, dy], -1) * r["leg_px"]
    return out


def bottom_fppa(r: dict, coef: np.ndarray, leg: str) -> float:
    P = corrected(r, coef)
    with np.errstate(invalid="ignore"):
        f = fppa(P[f"{leg}_hip"], P[f"{leg}_knee"], P[f"{leg}_ankle"], leg) * (1 if r["person_left"] > 0 else -1)
    return float(np.nanmedian(f)) if np.isfinite(f).any() else float("nan")


def obliquity(P: dict[str, np.ndarray]) -> np.ndarray:
    """The hip line from horizontal, the person's left hip higher positive (screening.angles pelvic_obliquity)."""
    d = P["left_hip"] - P["right_hip"]
    return np.degrees(np.arctan2(-d[..., 1], np.abs(d[..., 0])))


def bottom_drop(r: dict, coef: np.ndarray, leg: str) -> float:
    """The rear-leg side's drop at the bottom from standing (deg), from hips moved by ``coef``."""
    b, s = obliquity(corrected(r, coef)), obliquity(corrected(r, coef, "stand_xy"))
    return float((np.nanmedian(b) - np.nanmedian(s)) * (1.0 if leg == "left" else -1.0))


def drop_frames(r: dict, leg: str) -> tuple[np.ndarray, np.ndarray]:
    """Per frame of the rep's bottom: the rear-leg side's drop from standing (deg) of the landmarks' hip line as
    tracked, and how much of the front (``leg``) thigh the picture shows."""
    P = {k: np.atleast_2d(np.asarray(v, float)) for k, v in r["bottom_xy"].items()}
    b = obliquity(P) - np.nanmedian(obliquity(corrected(r, np.zeros((2, 3)), "stand_xy")))
    with np.errstate(invalid="ignore"):
        seen = np.linalg.norm(P[f"{leg}_knee"] - P[f"{leg}_hip"], axis=-1) / r["thigh_px"]
    return b * (1.0 if leg == "left" else -1.0), seen


def fit_drop_line(reps: list[dict]) -> np.ndarray:
    """The tilt the thighs give the landmarks' hip line at the bottom (deg; rear side down positive), as a
    quadratic in the share of the front thigh the picture misses (:func:`hip_design`): least squares over every
    bottom frame of ``reps``, against the rendered drop."""
    A, y = [], []
    for r in reps:
        d, seen = drop_frames(r, r["leg"])
        ok = np.isfinite(d) & np.isfinite(seen)
        A.append(hip_design(seen[ok]))
        y.append(d[ok] - r["drop_true"])
    return np.linalg.lstsq(np.concatenate(A), np.concatenate(y), rcond=None)[0]


def bottom_drop_line(r: dict, coef: np.ndarray, leg: str) -> float:
    """The rear-leg side's drop at the bottom from standing (deg): the landmarks' hip line less the thighs' tilt
    ``coef`` (:func:`fit_drop_line`), frame by frame, the median."""
    d, seen = drop_frames(r, leg)
    v = d - hip_design(np.nan_to_num(seen, nan=1.0)) @ coef
    return float(np.nanmedian(v)) if np.isfinite(v).any() else float("nan")


def seen_at_bottom(r: dict, leg: str) -> float:
    """How much of the leg's thigh the tool sees at the rep's bottom (its own landmarks, as it decides)."""
    P = {k: np.asarray(v, float) for k, v in r["bottom_xy"].items()}
    with np.errstate(invalid="ignore"):
        return float(np.nanmedian(np.linalg.norm(P[f"{leg}_knee"] - P[f"{leg}_hip"], axis=-1) / r["thigh_px"]))


def fit(reps: list[dict]) -> dict:
    """The shipped corrections, fitted on ``reps``: the hip landmark's offset model (every frame of both legs),
    then the scale of the tracker's FPPA at the bottom from corrected hips (reps whose front leg the tool named
    right and whose thigh it sees at THIGH_SEEN_MIN or more); for the pelvic drop, the hips' remaining offset
    (tried, not shipped) and the thighs' tilt of the landmarks' hip line (shipped)."""
    from screening.lunge import THIGH_SEEN_MIN

    hip = fit_hip_offsets(frame_table(reps))
    ok = [r for r in reps if "bottom_xy" in r and r["lead_read"] == r["leg"]]
    f = np.array([bottom_fppa(r, hip, r["leg"]) for r in ok])
    t = np.array([r["fppa_true"] for r in ok])
    sel = np.isfinite(f) & (np.array([seen_at_bottom(r, r["leg"]) for r in ok]) >= THIGH_SEEN_MIN)
    scale = np.linalg.lstsq(np.stack([f[sel], np.ones(sel.sum())], -1), t[sel], rcond=None)[0]
    d = np.array([bottom_drop(r, hip, r["leg"]) - r["drop_true"] for r in ok])
    return {"hip": hip, "fppa_scale": scale, "drop_offset": float(-np.nanmedian(d)), "drop_line": fit_drop_line(ok)}


def cross_validated(reps: list[dict]) -> list[dict]:
    """Each rep with its bottom FPPA and pelvic drop from the corrections fitted without its body's fold (whole
    bodies held out), and as tracked (no correction)."""
    out = []
    for k in range(FOLDS):
        c = fit([r for r in reps if fold_of(r["body"]) != k])
        for r in reps:
            if fold_of(r["body"]) == k and "bottom_xy" in r:
                leg = r["lead_read"] or r["leg"]
                a, b = c["fppa_scale"]
                out.append(dict(r, fppa_cv=a * bottom_fppa(r, c["hip"], leg) + b,
                                drop_hips=bottom_drop(r, c["hip"], leg) + c["drop_offset"],
                                drop_cv=bottom_drop_line(r, c["drop_line"], leg),
                                fppa_plain=bottom_fppa(r, np.zeros((2, 3)), leg),
                                drop_plain=bottom_drop(r, np.zeros((2, 3)), leg), seen_read=seen_at_bottom(r, leg)))
    return out


def measure_all(rows: list[dict]) -> list[dict]:
    from bench.accuracy import in_processes

    return [r for reps in in_processes(measure, rows) for r in reps]


def _col(reps: list[dict], k: str) -> np.ndarray:
    return np.array([np.nan if r.get(k) is None else r[k] for r in reps], float)


def detection(reps: list[dict], truth_key: str, pos: float, neg: float, flagged) -> dict:
    """Sensitivity over reps whose truth is ``pos`` or more, specificity over those under ``neg``."""
    t = _col(reps, truth_key)
    f = np.array([bool(flagged(r)) for r in reps])
    P, N = t >= pos, t < neg
    return {"sensitivity": _r(f[P].mean()) if P.any() else None, "specificity": _r(1 - f[N].mean()) if N.any() else None,
            "positives": int(P.sum()), "negatives": int(N.sum()), "borderline": int((~P & ~N).sum())}


def errors(reps: list[dict], key: str, truth_key: str) -> dict:
    e = _col(reps, key) - _col(reps, truth_key)
    e = e[np.isfinite(e)]
    return {"mae": _r(np.abs(e).mean()) if len(e) else None, "bias": _r(e.mean()) if len(e) else None, "n": int(len(e))}


def by_seen(reps: list[dict], key: str, truth_key: str) -> list[dict]:
    s = _col(reps, "seen_true")
    out = []
    for lo, hi in SEEN_BINS:
        sub = [r for r, x in zip(reps, s) if lo <= x < hi]
        out.append({"seen": f"{lo:.2f}-{hi:.2f}", **errors(sub, key, truth_key)})
    return out


def hip_table(reps: list[dict]) -> list[dict]:
    ft = frame_table(reps)
    out = []
    for lo, hi in SEEN_BINS:
        m = (ft["seen"] >= lo) & (ft["seen"] < hi)
        out.append(dict(seen=f"{lo:.2f}-{hi:.2f}", n=int(m.sum()),
                        **{k: float(np.nanmean(ft[k][m])) if m.any() else float("nan")
                           for k in ("hip_dx", "hip_dy", "knee_dx")}))
    return out


#: the renders' pelvic drops, deg: level, and 3-12 in three bins
DROP_BINS = ((-1.0, 0.5), (0.5, 6.0), (6.0, 9.0), (9.0, 13.0))
#: the measure before issue 29's item 3: the landmarks' line less a fixed 4.4 deg
OLD_DROP_OFFSET = 4.4


def by_drop(reps: list[dict], key: str) -> list[dict]:
    """``key`` against the rendered pelvic drop, by :data:`DROP_BINS`."""
    return [dict(errors([r for r in reps if lo <= r["drop_true"] < hi], key, "drop_true"), drop=f"{lo:g}-{hi:g}")
            for lo, hi in DROP_BINS]


def cv_summary(reps: list[dict]) -> dict:
    cv = cross_validated(reps)
    old = [dict(r, drop_old=r["drop_plain"] - OLD_DROP_OFFSET) for r in cv if r["drop_plain"] is not None]
    return {"fppa_plain": by_seen(cv, "fppa_plain", "fppa_true"), "fppa_cv": by_seen(cv, "fppa_cv", "fppa_true"),
            "drop_plain_all": errors(cv, "drop_plain", "drop_true"), "drop_cv_all": errors(cv, "drop_cv", "drop_true"),
            "drop_old_by_drop": by_drop(old, "drop_old"), "drop_cv_by_drop": by_drop(cv, "drop_cv"),
            "drop_hips_by_drop": by_drop(cv, "drop_hips"), "drop_hips_all": errors(cv, "drop_hips", "drop_true"),
            "drop_old_all": errors(old, "drop_old", "drop_true"),
            "drop_from_level": detection(cv, "drop_true", 6.0, 3.5, lambda r: r["drop_cv"] > 5.0),
            "fit": {k: np.round(v, 4).tolist() for k, v in fit(reps).items()}}


def evaluate(reps: list[dict]) -> dict:
    keys = ("fppa_raw", "fppa_clean", "fppa_knee_only", "fppa_hip_only", "fppa_ankle_only")
    where = {k: by_seen(reps, k, "fppa_true") for k in keys}
    where["medial_raw"] = by_seen(reps, "medial_raw", "medial_true")
    read = [r for r in reps if r.get("fppa_reported") is not None]
    return {
        "reps": len(reps), "clips": len({r["clip"] for r in reps}), "bodies": len({r["body"] for r in reps}),
        "where_lost": where,
        "hip_landmark": hip_table(reps),
        "cv": cv_summary(reps),
        "reported_fppa": {**errors(read, "fppa_reported", "fppa_true"), "reps_read": len(read),
                          "reps_unread": len(reps) - len(read)},
        "knee_valgus": detection(reps, "fppa_true", VALGUS_POS, VALGUS_NEG, lambda r: "knee_valgus" in r.get("faults", [])),
        "pelvic_drop": detection(reps, "drop_true", DROP_POS, DROP_NEG, lambda r: "pelvic_drop" in r.get("faults", [])),
        "reported_drop": errors(reps, "drop_reported", "drop_true"),
        "reported_drop_by_drop": by_drop([r for r in reps if r.get("drop_reported") is not None], "drop_reported"),
        "reported_by_kind": reported_by_kind(reps),
        "knee_valgus_at_bottom": detection(at_bottom(reps), "fppa_true", VALGUS_POS, VALGUS_NEG,
                                           lambda r: "knee_valgus" in r.get("faults", [])),
    }


def at_bottom(reps: list[dict]) -> list[dict]:
    """The reps whose bottom the tool could read (not a lower bound from above it, not unread)."""
    return [r for r in reps if r.get("fppa_reported") is not None and "fppa_above_bottom" not in r.get("notes", [])]


def reported_by_kind(reps: list[dict]) -> dict:
    right = [r for r in reps if r.get("lead_read") == r["leg"]]
    above = [r for r in right if "fppa_above_bottom" in r.get("notes", [])]
    return {"at_bottom": errors(at_bottom(right), "fppa_reported", "fppa_true"),
            "as_read": errors(at_bottom(right), "fppa_reported", "fppa_true_read"),
            "above_bottom": errors(above, "fppa_reported", "fppa_true"),
            "unread": sum("fppa_unread" in r.get("notes", []) for r in reps),
            "read_lateral": sorted({r["clip"] for r in reps if r.get("variant") == "lateral"}),
            "wrong_leg": sum(r.get("lead_read") not in (r["leg"], None) for r in reps)}


def markdown(r: dict) -> str:
    def cell(e: dict) -> str:
        return "-" if not e or e.get("mae") is None else f"{e['mae']:.1f} ({e['bias']:+.1f}, n={e['n']})"

    L = ["# Knee valgus and pelvic drop from the front, on a population of rendered lunges", "",
         "Generated by `python bench/front_lunge.py` from bench/data/front_lunge_reps.json "
         "(`--table` re-runs the tool on every clip). "
         f"{r['reps']} reps of {r['clips']} clips on {r['bodies']} bodies (sample_videos/lunges/).", "",
         "## Where the reading is lost", "",
         "The lead knee's image FPPA at the true bottom, against the rendered truth: MAE (bias, reps) by how "
         "much of the thigh's standing length the picture shows there. Each of the tracker's three points "
         "alone (the others true), all three raw, and after the tool's cleaning (smoothing).", "",
         "| thigh seen | " + " | ".join(WHERE_LABELS.values()) + " |", "|---|" + "---|" * len(WHERE_LABELS)]
    bins = [b["seen"] for b in r["where_lost"]["fppa_raw"]]
    for i, b in enumerate(bins):
        L.append(f"| {b} | " + " | ".join(cell(r["where_lost"][k][i]) for k in WHERE_LABELS) + " |")
    h = r["hip_landmark"]
    L += ["", "The hip landmark against the hip joint's centre (leg lengths; x lateral of the leg, y down), every "
          "other frame of every rep, by how much of that thigh the picture shows:", "",
          "| thigh seen | frames | hip x | hip y | knee x |", "|---|---|---|---|---|"]
    for row in h:
        L.append(f"| {row['seen']} | {row['n']} | {row['hip_dx']:+.3f} | {row['hip_dy']:+.3f} | {row['knee_dx']:+.3f} |")
    L += ["", "## The measures, on bodies left out of any fitting", "",
          f"Hip offset model fitted {FOLDS}-fold over whole bodies; each rep's FPPA and pelvic drop at the bottom "
          "from hips corrected by the fit without its body. FPPA MAE (bias, reps) by thigh seen at the bottom:", "",
          "| thigh seen | landmarks as tracked | hips corrected (held out) |", "|---|---|---|"]
    for i, b in enumerate(r["cv"]["fppa_plain"]):
        L.append(f"| {b['seen']} | {cell(b)} | {cell(r['cv']['fppa_cv'][i])} |")
    L += ["", f"Pelvic drop at the bottom, MAE (bias, reps): the landmarks' line as tracked "
          f"{cell(r['cv']['drop_plain_all'])}, less the thighs' tilt (held out; below) {cell(r['cv']['drop_cv_all'])}.", "",
          "## What the tool reports", "",
          f"FPPA reported, against the truth at the bottom: {cell(r['reported_fppa'])}; reps with no FPPA "
          f"{r['reported_fppa']['reps_unread']} of {r['reps']}.", "",
          "| fault | sensitivity | specificity | positives | negatives | too close to call |", "|---|---|---|---|---|---|"]
    for k, lab in (("knee_valgus", f"knee valgus (image FPPA >= {VALGUS_POS:g} deg; none < {VALGUS_NEG:g})"),
                   ("pelvic_drop", f"pelvic drop (>= {DROP_POS:g} deg; none < {DROP_NEG:g})")):
        d = r[k]
        L.append(f"| {lab} | {d['sensitivity']} | {d['specificity']} | {d['positives']} | {d['negatives']} | "
                 f"{d['borderline']} |")
    b = r["reported_by_kind"]
    L += ["", "By how the tool read the rep: where it could read the bottom (the thigh seen at half its length "
          f"or more there; the largest over the loaded part round the bottom), against the truth at "
          f"the bottom {cell(b['at_bottom'])}, against the truth read the same way at the same frames "
          f"{cell(b['as_read'])}; knee valgus there: sensitivity {r['knee_valgus_at_bottom']['sensitivity']}, "
          f"specificity {r['knee_valgus_at_bottom']['specificity']} ({r['knee_valgus_at_bottom']['positives']} "
          f"positives, {r['knee_valgus_at_bottom']['negatives']} negatives); above the bottom, a lower bound "
          f"reported because it already passed the threshold, {b['above_bottom']['n']} reps (all under the "
          f"truth: {cell(b['above_bottom'])}); unread at the bottom and said so {b['unread']} reps; on the wrong "
          f"leg {b['wrong_leg']} reps; read as a lateral lunge (no valgus: the feet more than "
          f"screening.lunge.LATERAL_FEET_HIP_WIDTHS hip widths apart) {len(b['read_lateral'])} clips "
          f"({', '.join(b['read_lateral']) or 'none'}). The unread reps are the deep ones filmed from low: the thigh points at "
          "the camera and the angle of the true joints itself swings by tens of degrees for a few pixels.", "",
          f"Pelvic drop reported, against the truth: {cell(r['reported_drop'])}.", "",
          "## Pelvic drop: the pelvis, not the thighs", "",
          "MediaPipe's hip landmarks ride on the tops of the thighs, so their line tilts with the thighs as well "
          "as the pelvis: toward the rear leg, more as the front thigh turns toward the camera. The measure now "
          "takes that tilt off the landmarks' line frame by frame, as a quadratic in the share of the front "
          f"thigh the picture misses ({', '.join(f'{c:+.3f}' for c in r['cv']['fit']['drop_line'])}; "
          "screening.lunge.THIGH_TILT_OF_HIP_LINE). Moving the hips to the joints' centres (the hip offset model "
          "above) was tried too: its line follows a drop less. Against the rendered drop at the bottom, MAE "
          "(bias, reps), the fits held out by body:", "",
          "| rendered drop (deg) | before: the landmarks' line less 4.4 deg | the hips moved to the joints | "
          "the line less the thighs' tilt | the tool reports |", "|---|---|---|---|---|"]
    for i, b_ in enumerate(r["cv"]["drop_cv_by_drop"]):
        L.append(f"| {b_['drop']} | {cell(r['cv']['drop_old_by_drop'][i])} | {cell(r['cv']['drop_hips_by_drop'][i])} | "
                 f"{cell(b_)} | {cell(r['reported_drop_by_drop'][i])} |")
    L += ["", f"All reps: before {cell(r['cv']['drop_old_all'])}, hips moved {cell(r['cv']['drop_hips_all'])}, "
          f"now {cell(r['cv']['drop_cv_all'])} (held out). The landmarks follow the pelvis only in part: a drop of "
          "9-13 deg still reads about 4 deg small. Held out, a drop of 6 deg or more is read over 5 deg in "
          f"{r['cv']['drop_from_level']['sensitivity']:.0%} of reps, and a pelvis level to 3.5 deg stays under "
          f"it in {r['cv']['drop_from_level']['specificity']:.0%}.", "",
          "The fault is judged beyond the tilt of a correct lunge. The renders' pelvis is level unless a drop is "
          "rendered, and real people's is not: the hip joint centres of UI-PRMD's correct in-line lunges (motion "
          "capture, 9 people, 90 reps; `python bench/uiprmd.py`) tilt 3.9 deg toward the rear leg at the bottom "
          "(median; people's own medians -1.8 to 9.5), and at metrics.md's 5 deg from level 35 of those 90 correct "
          "reps would be a drop. The fault's threshold is 5 deg beyond that tilt, 9 deg (14 of the 90 correct "
          "reps, 20 of the 90 incorrect: UI-PRMD's incorrect in-line lunges are not about the pelvis, AUC 0.48). "
          f"In the table above the fault is scored against that threshold (a drop from {DROP_POS:g} deg, none "
          f"under {DROP_NEG:g})."]
    if MODELS.exists():
        L += models_section(json.loads(MODELS.read_text()))
    return "\n".join(L) + "\n"


WHERE_LABELS = {"fppa_knee_only": "knee only", "fppa_hip_only": "hip only", "fppa_ankle_only": "ankle only",
                "fppa_raw": "all three, raw", "fppa_clean": "all three, cleaned"}


def compare_models(shipped: list[dict], other: list[dict]) -> int:
    """The shipped model's table against another model's, on the same reps: the FPPA at the bottom by thigh seen
    (all three points raw, and with the hips corrected by a fit on each model's own table, held out by body),
    the pelvic drop held out, and what the tool reported. Prints one JSON object."""
    out = {}
    for name, reps in (("shipped", shipped), ("other", other)):
        cv = cross_validated(reps)
        out[name] = {"fppa_raw": by_seen(reps, "fppa_raw", "fppa_true"), "fppa_cv": by_seen(cv, "fppa_cv", "fppa_true"),
                     "drop_cv": errors(cv, "drop_cv", "drop_true"), "drop_plain": errors(cv, "drop_plain", "drop_true"),
                     "knee_only": by_seen(reps, "fppa_knee_only", "fppa_true"),
                     "hip_only": by_seen(reps, "fppa_hip_only", "fppa_true")}
    MODELS.write_text(json.dumps(out, indent=1))
    print(json.dumps(out))
    return 0


def models_section(m: dict) -> list[str]:
    """The markdown of :func:`compare_models`' stored comparison (and the speed bench/throughput.py measured)."""
    def cell(e: dict) -> str:
        return "-" if not e or e.get("mae") is None else f"{e['mae']:.1f} ({e['bias']:+.1f})"

    a, b = m["shipped"], m["other"]
    L = ["", "## The heavier pose model", "",
         "The legacy heavy landmark model (pose_landmark_heavy.tflite of the npm package @mediapipe/pose "
         "0.5.1675469404, Apache-2.0, whose pose_landmark_full.tflite is byte for byte the shipped one's), "
         "bundled by `tools/build_pose_bundle.py --landmark-model ... --out heavy.task` and run on the same "
         "clips (`python bench/front_lunge.py --table --model heavy.task --out heavy.json`). The lead knee's "
         "FPPA at the true bottom, MAE (bias) by thigh seen; each model's corrections fitted on its own table, "
         "held out by body:", "",
         "| thigh seen | full, raw | heavy, raw | full, knee alone | heavy, knee alone | full, corrected | "
         "heavy, corrected |", "|---|---|---|---|---|---|---|"]
    for i, row in enumerate(a["fppa_raw"]):
        L.append(f"| {row['seen']} | {cell(row)} | {cell(b['fppa_raw'][i])} | {cell(a['knee_only'][i])} | "
                 f"{cell(b['knee_only'][i])} | {cell(a['fppa_cv'][i])} | {cell(b['fppa_cv'][i])} |")
    L += ["", f"Pelvic drop held out: full {cell(a['drop_cv'])}, heavy {cell(b['drop_cv'])}."]
    if "speed" in m:
        sp = m["speed"]
        L += ["", f"Speed (`python bench/throughput.py {sp['video']} --repeat 2 --model heavy.task`, one run): "
              f"the heavy model's bare loop {sp['model_fps']:.1f} frames/s against the full model's "
              f"{sp['bare_fps']:.1f} (ratio {sp['model_ratio']:.2f})."]
    L += ["", "The heavy model's knee and hip are nearer the joints, so it reads valgus better as tracked; "
          "with the corrections each model gets from this population, it reads no better than the full "
          "model at half the thigh seen or more, and the pelvic drop no better, at about a third of the speed. "
          "It is not shipped."]
    return L


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", type=int, help="the first N clips only (a quick look)")
    ap.add_argument("--model", help="another pose model bundle (.task) to track with: its table is written to "
                    "--out, and the table's measures of both models are compared (no markdown written)")
    ap.add_argument("--out", default=str(TABLE), help="the table's file")
    a = ap.parse_args(argv)
    out = Path(a.out)
    if a.table or not out.exists():
        rows = clips()[: a.only] if a.only else clips()
        reps = measure_all([dict(r, model=a.model) for r in rows] if a.model else rows)
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(reps, indent=0))
    if a.model:
        return compare_models(json.loads(TABLE.read_text()), json.loads(out.read_text()))
    reps = json.loads(TABLE.read_text())
    r = evaluate(reps)
    md = markdown(r)
    (ROOT / "bench" / "front_lunge.md").write_text(md)
    print(md)
    if a.json:
        print(json.dumps({k: r[k] for k in ("reps", "clips", "bodies", "reported_fppa", "reported_by_kind", "knee_valgus",
                                            "knee_valgus_at_bottom", "pelvic_drop", "reported_drop")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
