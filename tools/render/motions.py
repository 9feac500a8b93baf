"""Motion generators: per-frame pose states for hinges and lunges (see rig.Body.pose for the state keys)."""
from __future__ import annotations

import numpy as np

from rig import rot_x, rot_y

FPS = 30
SPINE_W = np.array([0.30, 0.30, 0.22, 0.18])  # spine04, spine03 (lumbar) | spine02, spine01 (thoracic)


def smooth(x):
    x = np.clip(x, 0, 1)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def rep_profile(t, t0, down, hold, up):
    s = np.zeros_like(t)
    s = np.where((t >= t0) & (t < t0 + down), smooth((t - t0) / down), s)
    s = np.where((t >= t0 + down) & (t < t0 + down + hold), 1.0, s)
    s = np.where((t >= t0 + down + hold) & (t < t0 + down + hold + up), 1 - smooth((t - t0 - down - hold) / up), s)
    return s


def _up(a):
    a = np.radians(a)
    return np.stack([np.zeros_like(a), -np.sin(a), np.cos(a)], -1)


def _base_state(body, B):
    st = dict(tilt=np.zeros(B), obliq=np.zeros(B), root=np.zeros((B, 3)), spine_flex=np.zeros((B, 4)),
              spine_lat=np.zeros((B, 4)), neck=np.zeros(B))
    for s, sx in (("L", 1), ("R", -1)):
        st[f"pole{s}"] = np.tile([0.0, -1.0, 0.0], (B, 1))
        st[f"swivel{s}"] = np.zeros(B)
        st[f"heel{s}"] = np.zeros(B)
        st[f"uarm{s}"] = np.tile([0.16 * sx, -0.02, -1.0], (B, 1))
        st[f"farm{s}"] = np.tile([0.06 * sx, -0.25, -1.0], (B, 1))
    return st


def _timeline(rng, n_reps, t_stand, tempo, gap):
    reps = []
    t = t_stand
    for k in range(n_reps):
        d, h, u = tempo[k % len(tempo)]
        reps.append((t, d, h, u))
        t += d + h + u + gap
    return reps, t - gap


def hinge(body, p, rng):
    """p: hip (joint flexion at bottom, deg), spine (spinal flexion at bottom), knee, shin (shank tilt at bottom),
    reps, tempo [(down, hold, up)], spine_lead (s: spine starts this much earlier), t_stand.

    The spine set's variety (all optional): spine_w (how the flexion is shared by spine04..spine01, summing to 1:
    spread evenly, low, high), protract (deg: both clavicles turned forward at the bottom, shoulders rounded
    under a load), bar (arms straight down to a bar in the hands, and the bar's mesh), from_floor (the clip
    starts at the bottom of the first rep, as a deadlift from the floor does: no standing phase before it)."""
    from_floor = bool(p.get("from_floor", False))
    t_stand = p.get("t_stand", 0.0 if from_floor else 0.85)
    reps, t_end = _timeline(rng, p["reps"], t_stand, p["tempo"], p.get("gap", 0.3))
    dur = t_end + p.get("tail", 0.3)
    B = int(round(dur * FPS))
    t = np.arange(B) / FPS
    s_hip = np.zeros(B)
    s_sp = np.zeros(B)
    s_knee = np.zeros(B)
    lead = p.get("spine_lead", 0.0)
    # hips rise first: on the way up the hips hold their bend this long while the knees already straighten
    # (the back angle goes more horizontal), then catch up by lockout
    lag = p.get("hips_first", 0.0)
    for (t0, d, h, u) in reps:
        if lag > 0:
            pr_k = rep_profile(t, t0, d, h, u)
            pr_h = rep_profile(t, t0, d, h + lag, u - lag)
            if from_floor and t0 == reps[0][0]:
                pr_k[t < t0 + d] = 1.0
                pr_h[t < t0 + d] = 1.0
            s_knee = np.maximum(s_knee, pr_k)
            s_hip = np.maximum(s_hip, pr_h)
            s_sp = np.maximum(s_sp, pr_h)
            continue
        if lead > 0:
            # spine flexes first, hips start `lead` s later and catch up at the bottom
            s_sp = np.maximum(s_sp, rep_profile(t, t0, d, h, u))
            s_hip = np.maximum(s_hip, rep_profile(t, t0 + lead, d - lead, h, u))
        else:
            pr = rep_profile(t, t0, d, h, u)
            if from_floor and t0 == reps[0][0]:
                pr[t < t0 + d] = 1.0  # already at the bottom when the clip starts
            s_hip = np.maximum(s_hip, pr)
            s_sp = np.maximum(s_sp, pr)
    if not lag:
        s_knee = s_hip
    st = _base_state(body, B)
    k_stand = 2.0
    knee = k_stand + (p["knee"] - k_stand) * s_knee
    shin = p["shin"] * (knee - k_stand) / max(p["knee"] - k_stand, 1e-6)
    hipf = p["hip"] * s_hip
    spf = p["spine"] * s_sp
    a_T = shin - knee
    tilt = a_T + hipf - (0.0 - k_stand)  # pelvis tilt 0 when standing (shin upright, knee at k_stand)
    st["tilt"] = tilt
    w = np.asarray(p.get("spine_w", SPINE_W), float)
    st["spine_w"] = w
    # five weights share the flexion from spine05 (the lowest) up; the standing posture stays on spine04..01
    posture = body.posture_deg * (np.concatenate([[0.0], SPINE_W]) if len(w) == 5 else SPINE_W)
    st["spine_flex"] = spf[:, None] * w[None] + posture[None]
    st["stand_i"] = int(np.argmin(s_hip))
    if p.get("protract"):
        st["protract"] = p["protract"] * s_hip
    # neck: keep the head roughly in line with the trunk, slight extension with a rounded back
    st["neck"] = -0.25 * spf
    sl = "LR"
    for s in sl:
        ax = body.hip_off[s][0]
        ankle = np.tile([ax, 0.0, body.ankle_h[s]], (B, 1))
        st[f"ankle{s}"] = ankle
    L1 = np.mean([body.L1[s] for s in sl])
    L2 = np.mean([body.L2[s] for s in sl])
    ah = np.mean([body.ankle_h[s] for s in sl])
    hip_c = np.array([0.0, 0.0, ah]) + L2 * _up(shin) + L1 * _up(a_T)
    R = rot_x(np.radians(tilt))
    off = 0.5 * (body.hip_off["L"] + body.hip_off["R"])
    st["root"] = hip_c - np.einsum("bij,j->bi", R, off)
    # arms hang from the shoulders (world down), a bit forward at the bottom; holding a bar, straight down
    for s, sx in (("L", 1), ("R", -1)):
        if p.get("bar"):
            st[f"uarm{s}"] = np.tile([0.05 * sx, 0.0, -1.0], (B, 1))
            st[f"farm{s}"] = np.tile([0.02 * sx, 0.0, -1.0], (B, 1))
        elif p.get("kettlebell"):  # both hands on one handle between the knees: arms straight down and in
            st[f"uarm{s}"] = np.tile([-0.08 * sx, 0.0, -1.0], (B, 1))
            st[f"farm{s}"] = np.tile([-0.1 * sx, 0.0, -1.0], (B, 1))
        else:
            st[f"uarm{s}"] = np.stack([np.full(B, 0.16 * sx) - 0.1 * sx * s_hip, -0.02 - 0.15 * s_hip, -np.ones(B)],
                                      -1)
    st["bar"] = bool(p.get("bar", False))
    st["kettlebell"] = bool(p.get("kettlebell", False))
    fp = dict(hip_joint_flexion_deg=p["hip"], spinal_flexion_deg=p["spine"], knee_flexion_deg=p["knee"])
    for k in ("spine_w", "protract", "bar", "kettlebell", "from_floor", "hips_first"):
        if k in p:
            fp[k] = p[k]
    if lead:
        fp["spine_lead_s"] = lead
    out_reps = [dict(start_s=t0, bottom_s=t0 + d + h / 2, end_s=t0 + d + h + u, lead_leg=None) for (t0, d, h, u) in reps]
    return st, t, out_reps, fp


def lunge(body, p, rng):
    """p: kind (split_squat | reverse_lunge | forward_lunge), leads (list per rep, 'left'/'right'), knee_h (rear knee
    height above the floor at the bottom, m), tempo, valgus (FPPA of the front knee at the bottom, deg), drop (pelvic
    drop, deg), lean (lateral trunk lean, deg), sway (m, medio-lateral pelvis sway on the 2nd rep)."""
    t_stand = p.get("t_stand", 0.85)
    kind = p["kind"]
    n = len(p["leads"])
    S = p.get("step", 0.47) * body.stature
    t_step = 0.7
    t0 = t_stand + (t_step + 0.15 if kind == "split_squat" else 0.0)
    reps, t_end = _timeline(rng, n, t0, p["tempo"], p.get("gap", 0.25))
    dur = t_end + p.get("tail", 0.3)
    B = int(round(dur * FPS))
    t = np.arange(B) / FPS
    st = _base_state(body, B)
    # feet: y offset of the ball (mtp), lift, heel raise
    fy = {s: np.zeros(B) for s in "LR"}
    fl = {s: np.zeros(B) for s in "LR"}
    fb = {s: np.zeros(B) for s in "LR"}
    rear_flag = {s: np.zeros(B) for s in "LR"}
    s_all = np.zeros(B)
    beta_st, beta_bot = 22.0, 48.0

    def move(side, tb, te, y0, y1, b0, b1, lift=0.07):
        m = t >= tb
        u = np.clip((t[m] - tb) / (te - tb), 0, 1)
        fy[side][m] = y0 + (y1 - y0) * smooth(u)
        fl[side][m] = lift * np.sin(np.pi * u)
        fb[side][m] = b0 + (b1 - b0) * smooth(u)

    side_of = {"left": "L", "right": "R"}
    lead0 = side_of[p["leads"][0]]
    other = {"L": "R", "R": "L"}
    if kind == "split_squat":
        move(other[lead0], t_stand, t_stand + t_step, 0, S, 0, beta_st)
    out_reps = []
    s_rep = []
    for k, (tt, d, h, u) in enumerate(reps):
        lead = side_of[p["leads"][k]]
        rear = other[lead]
        pr = rep_profile(t, tt, d, h, u)
        s_rep.append(pr)
        s_all = np.maximum(s_all, pr)
        if kind == "reverse_lunge":
            move(rear, tt, tt + 0.75 * d, 0, S, 0, beta_st)
            move(rear, tt + d + h + 0.25 * u, tt + d + h + u, S, 0, beta_st, 0)
        elif kind == "forward_lunge":
            move(lead, tt, tt + 0.7 * d, 0, -S, 0, 0, lift=0.06)
            move(rear, tt, tt + 0.7 * d, 0, 0, 0, beta_st, lift=0.0)
            move(lead, tt + d + h + 0.3 * u, tt + d + h + u, -S, 0, 0, 0, lift=0.06)
            move(rear, tt + d + h + 0.3 * u, tt + d + h + u, 0, 0, beta_st, 0, lift=0.0)
        rear_flag[rear] = np.maximum(rear_flag[rear], (t >= tt) & (t <= tt + d + h + u))
        out_reps.append(dict(start_s=tt, bottom_s=tt + d + h / 2, end_s=tt + d + h + u, lead_leg=p["leads"][k]))
    if kind == "split_squat":
        rear_flag[other[lead0]][:] = 1
    for s in "LR":
        fb[s] = fb[s] + (beta_bot - beta_st) * s_all * rear_flag[s] * (fb[s] > 1)
        st[f"heel{s}"] = fb[s]
        mtp = body.mtp[s]
        rel = np.array([0, *(body.rest_heads[body.idx[f"foot.{s}"], 1:] - mtp[1:])])
        ball = np.stack([np.full(B, mtp[0]), mtp[1] + fy[s], mtp[2] - body.sole_z + fl[s]], -1)
        st[f"ankle{s}"] = ball + np.einsum("bij,j->bi", rot_x(np.radians(fb[s])), rel)
    # which leg is in front, per frame (for the pelvis position); pelvis over the front foot + 45% of the gap
    aL, aR = st["ankleL"], st["ankleR"]
    front_is_L = aL[:, 1] <= aR[:, 1]
    yf = np.where(front_is_L, aL[:, 1], aR[:, 1])
    yr = np.where(front_is_L, aR[:, 1], aL[:, 1])
    y_p = yf + 0.42 * (yr - yf)
    tilt = p.get("pitch", 6.0) * s_all
    st["tilt"] = tilt
    lead_sign = np.zeros(B)  # +1 when the left leg leads (in the rep's window)
    for k, pr in enumerate(s_rep):
        lead_sign = np.where(pr > 0, 1.0 if p["leads"][k] == "left" else -1.0, lead_sign)
    if kind == "split_squat":
        lead_sign[:] = 1.0 if lead0 == "L" else -1.0
    obliq = np.zeros(B)
    lat = np.zeros(B)
    fp = {}
    if p.get("drop"):
        # the rear-leg side of the pelvis drops: rotation about +Y lowers the left hip
        obliq = -lead_sign * p["drop"] * s_all
        lat = -0.6 * obliq
        fp["pelvic_drop_deg"] = p["drop"]
    if p.get("lean"):
        lat = lat + lead_sign * p["lean"] * s_all
        fp["lateral_trunk_lean_deg"] = p["lean"]
    sway_x = np.zeros(B)
    if p.get("sway"):
        tt, d, h, u = reps[min(1, n - 1)]
        w = (t >= tt + 0.5 * d) & (t <= tt + d + h + 0.5 * u)
        ph = (t - (tt + 0.5 * d)) / (0.5 * d + h + 0.5 * u)
        sway_x = np.where(w, p["sway"] * np.sin(2 * np.pi * 1.5 * ph) * np.sin(np.pi * np.clip(ph, 0, 1)), 0.0)
        lat = lat - 0.5 * np.degrees(sway_x / 0.5)
        fp["sway_m"] = p["sway"]
    st["obliq"] = obliq
    st["spine_lat"] = lat[:, None] * SPINE_W[None]
    st["spine_flex"] = np.full((B, 1), body.posture_deg) * SPINE_W[None]
    R = np.einsum("bij,bjk->bik", rot_y(np.radians(obliq)), rot_x(np.radians(tilt)))
    off = 0.5 * (body.hip_off["L"] + body.hip_off["R"])
    Lm = {s: (body.L1[s] + body.L2[s]) * 0.9997 for s in "LR"}

    def place(drop):
        z = max(body.ankle_h.values()) + max(body.L1[s] + body.L2[s] for s in "LR") - drop * s_all
        hc = np.stack([sway_x, y_p, z], -1)
        root = hc - np.einsum("bij,j->bi", R, off)
        for _ in range(3):
            for s in "LR":
                hip = root + np.einsum("bij,j->bi", R, body.hip_off[s])
                a = st[f"ankle{s}"]
                hor2 = (hip[:, 0] - a[:, 0]) ** 2 + (hip[:, 1] - a[:, 1]) ** 2
                zmax = a[:, 2] + np.sqrt(np.maximum(Lm[s] ** 2 - hor2, 1e-6))
                root[:, 2] -= np.maximum(hip[:, 2] - zmax, 0)
        return root

    bot = np.array([int(round(r["bottom_s"] * FPS)) for r in out_reps])
    rear_b = [other[side_of[l]] for l in p["leads"]]

    def rear_knee_h(drop):
        root = place(drop)
        hs = []
        for b, s in zip(bot, rear_b):
            hip = root[b:b + 1] + R[b] @ body.hip_off[s]
            k = body.solve_leg(s, hip, st[f"ankle{s}"][b:b + 1], st[f"pole{s}"][b:b + 1], np.zeros(1))
            hs.append(k[0, 2])
        return np.mean(hs)

    lo, hi = 0.0, 0.8
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if rear_knee_h(mid) > p["knee_h"]:
            lo = mid
        else:
            hi = mid
    st["root"] = place(0.5 * (lo + hi))
    if p.get("valgus_image"):
        # valgus as people make it: the front knee turns medially about the hip-ankle line (hip adduction and
        # internal rotation, the foot planted), growing with depth, by the amount that makes p["valgus_image"]
        # deg of FPPA at the bottom in a picture from a nominal phone 3.2 m in front at 1.05 m (make_corpus.
        # solve_swivel); well defined at any depth, where a target frontal-plane FPPA in 3D is not (a thigh
        # pointing forward has no frontal-plane angle)
        for k, pr in enumerate(s_rep):
            lead = side_of[p["leads"][k]]
            tgt = st.setdefault(f"medial_profile{lead}", np.zeros(B))
            st[f"medial_profile{lead}"] = np.where(pr > 0, pr, tgt)
            st[f"valgus_image{lead}"] = p["valgus_image"]
        fp["valgus_image_nominal_deg"] = p["valgus_image"]
    if p.get("valgus") is not None:
        for k, pr in enumerate(s_rep):
            lead = side_of[p["leads"][k]]
            tgt = st.setdefault(f"fppa{lead}", np.zeros(B))
            st[f"fppa{lead}"] = np.where(pr > 0, p["valgus"] * pr, tgt)
        fp["valgus_deg"] = p["valgus"]
    fp["rear_knee_height_m"] = p["knee_h"]
    fp["step_m"] = round(S, 3)
    return st, t, out_reps, fp
