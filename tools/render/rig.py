"""Posing the anny body by bone angles, with exact ground truth.

World axes (anny's): Z up, the body faces -Y, +X is the body's left. Every bone gets a world rotation G (relative to
its rest orientation); anny's default "local-ref" parameterisation takes per-bone deltas in world-aligned axes, so
the delta of bone c is D_c = G_parent^T G_c and a bone without its own target inherits its parent's rotation.
Joint centres are read back from the model's posed bone heads, so the truth is the model's own output.
"""
from __future__ import annotations

import numpy as np
import torch

_MODEL = None


def model():
    global _MODEL
    if _MODEL is None:
        import anny

        torch.set_num_threads(1)
        _MODEL = anny.Anny()
    return _MODEL


def _rot(a, i, j):
    """Rotations by angles ``a`` (radians, array ok) in the plane of axes i -> j (turning i toward j)."""
    a = np.asarray(a, float)
    c, s = np.cos(a), np.sin(a)
    R = np.zeros(a.shape + (3, 3))
    R[..., 3 - i - j, 3 - i - j] = 1
    R[..., i, i] = c
    R[..., j, j] = c
    R[..., j, i] = s
    R[..., i, j] = -s
    return R


def rot_x(a):
    """Rotation about X (sagittal), angle in radians (array ok). Positive tips the top of a segment forward (-Y)."""
    return _rot(a, 1, 2)


def rot_y(a):
    """Rotation about Y (frontal plane). Positive tips the top of a segment toward the body's left (+X)."""
    return _rot(a, 2, 0)


def rot_z(a):
    """Rotation about Z (the long axis). Positive turns +X toward +Y."""
    return _rot(a, 0, 1)


def rot_between(u0, u):
    """Minimal rotations taking unit vectors u0 (3,) to u (B,3)."""
    u0 = np.broadcast_to(u0, u.shape)
    v = np.cross(u0, u)
    c = np.einsum("bi,bi->b", u0, u)
    vx = np.zeros(u.shape[:-1] + (3, 3))
    vx[..., 0, 1], vx[..., 0, 2] = -v[..., 2], v[..., 1]
    vx[..., 1, 0], vx[..., 1, 2] = v[..., 2], -v[..., 0]
    vx[..., 2, 0], vx[..., 2, 1] = -v[..., 1], v[..., 0]
    k = 1.0 / (1.0 + c)
    return np.eye(3) + vx + np.einsum("bij,bjk->bik", vx, vx) * k[:, None, None]


def rodrigues(axis, angle):
    """Rotations about unit axes (B,3) by angles (B,) radians."""
    K = np.zeros(axis.shape[:-1] + (3, 3))
    K[..., 0, 1], K[..., 0, 2] = -axis[..., 2], axis[..., 1]
    K[..., 1, 0], K[..., 1, 2] = axis[..., 2], -axis[..., 0]
    K[..., 2, 0], K[..., 2, 1] = -axis[..., 1], axis[..., 0]
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + s * K + (1 - c) * np.einsum("bij,bjk->bik", K, K)


class Body:
    """One phenotype: rest geometry, bone indices, segment lengths and landmark vertices."""

    def __init__(self, phenotype: dict):
        m = model()
        self.m = m
        self.phenotype = {k: float(v) for k, v in phenotype.items()}
        self.labels = list(m.bone_labels)
        self.parents = [int(p) for p in m.bone_parents]
        self.idx = {n: i for i, n in enumerate(self.labels)}
        with torch.no_grad():
            out = m(pose_parameters=None, phenotype_kwargs=self.phenotype)
        self.rest_heads = out["bone_poses"][0, :, :3, 3].numpy().copy()  # root at origin
        self.rest_verts = out["vertices"][0].numpy().copy()
        self.faces = m.get_triangular_faces().numpy()
        w = m.vertex_bone_weights.numpy()
        bi = m.vertex_bone_indices.numpy()
        self.vert_bone = bi[np.arange(len(bi)), w.argmax(1)]
        h = self.rest_heads
        I = self.idx
        self.sole_z = float(self.rest_verts[np.isin(self.vert_bone, [I["foot.L"], I["foot.R"]] + [
            I[n] for n in self.labels if n.startswith("toe")]), 2].min())
        self.L1 = {s: float(np.linalg.norm(h[I[f"lowerleg01.{s}"]] - h[I[f"upperleg01.{s}"]])) for s in "LR"}
        self.L2 = {s: float(np.linalg.norm(h[I[f"foot.{s}"]] - h[I[f"lowerleg01.{s}"]])) for s in "LR"}
        self.hip_off = {s: h[I[f"upperleg01.{s}"]].copy() for s in "LR"}
        self.ankle_h = {s: float(h[I[f"foot.{s}"], 2] - self.sole_z) for s in "LR"}
        self.mtp = {s: np.mean([h[I[f"toe{k}-1.{s}"]] for k in range(1, 6)], axis=0) for s in "LR"}
        self.u0 = {}
        for s in "LR":
            self.u0[f"thigh{s}"] = _unit(h[I[f"lowerleg01.{s}"]] - h[I[f"upperleg01.{s}"]])
            self.u0[f"shank{s}"] = _unit(h[I[f"foot.{s}"]] - h[I[f"lowerleg01.{s}"]])
            self.u0[f"uarm{s}"] = _unit(h[I[f"lowerarm01.{s}"]] - h[I[f"upperarm01.{s}"]])
            self.u0[f"farm{s}"] = _unit(h[I[f"wrist.{s}"]] - h[I[f"lowerarm01.{s}"]])
        V = self.rest_verts
        # landmark vertices: heel (back-bottom of foot), toe tip, ears
        self.lm_vert = {}
        for s in "LR":
            fv = np.where(np.isin(self.vert_bone, [I[f"foot.{s}"]] + [I[n] for n in self.labels
                                                                         if n.startswith("toe") and n.endswith(s)]))[0]
            low = fv[V[fv, 2] < self.sole_z + 0.03]
            self.lm_vert[f"heel{s}"] = int(low[np.argmax(V[low, 1])])
            self.lm_vert[f"toe{s}"] = int(low[np.argmin(V[low, 1])])
        hv = np.where(self.vert_bone == I["head"])[0]
        hz = h[I["head"], 2]
        top = V[hv, 2].max()
        band = hv[(V[hv, 2] > hz + 0.35 * (top - hz)) & (V[hv, 2] < hz + 0.55 * (top - hz))]
        self.lm_vert["earL"] = int(band[np.argmax(V[band, 0])])
        self.lm_vert["earR"] = int(band[np.argmin(V[band, 0])])
        self.standing_hip_z = float(-self.sole_z + h[I["upperleg01.L"], 2])  # root height when standing straight
        self.stature = float(V[:, 2].max() - self.sole_z)
        # standing posture: spine extension (deg, spread with the same weights as flexion) that puts the mid-shoulder
        # joint over the mid-hip joint, so a standing frame reads ~0 trunk inclination and hip flexion
        sh = 0.5 * (h[I["upperarm01.L"]] + h[I["upperarm01.R"]])
        hc = 0.5 * (h[I["upperleg01.L"]] + h[I["upperleg01.R"]])
        fwd = -(sh[1] - hc[1])  # shoulder forward of the hip (m)
        w = np.array([0.30, 0.30, 0.22, 0.18])
        lever = sum(wi * (sh[2] - h[I[n], 2]) for wi, n in zip(w, ["spine04", "spine03", "spine02", "spine01"]))
        self.posture_deg = float(-np.degrees(fwd / lever))

    # ------------------------------------------------------------------ posing
    def solve_leg(self, side, hip, ankle, pole, swivel):
        """Two-joint IK: knee positions (B,3) for hip and ankle targets, knee toward pole rotated by swivel (rad)
        about the hip-ankle axis."""
        L1, L2 = self.L1[side], self.L2[side]
        d = ankle - hip
        dist = np.linalg.norm(d, axis=1)
        u = d / dist[:, None]
        dist_c = np.minimum(dist, (L1 + L2) * (1 - 1e-9))
        a = (L1 ** 2 - L2 ** 2 + dist_c ** 2) / (2 * dist_c)
        r = np.sqrt(np.maximum(L1 ** 2 - a ** 2, 0))
        n = pole - np.einsum("bi,bi->b", pole, u)[:, None] * u
        n /= np.linalg.norm(n, axis=1, keepdims=True)
        n = np.einsum("bij,bj->bi", rodrigues(u, swivel), n)
        return hip + a[:, None] * u + r[:, None] * n

    def pose(self, st):
        """st: dict of per-frame arrays (see motions.py). Returns the G world rotations and D deltas (B,104,4,4)."""
        B = len(st["tilt"])
        I = self.idx
        R_root = np.einsum("bij,bjk->bik", rot_y(np.radians(st["obliq"])), rot_x(np.radians(st["tilt"])))
        t_root = st["root"]
        G = {0: R_root}
        targets = {}
        # spine: spine04..spine01 get sagittal flexion and lateral bend (deg), as deltas on their parents
        # five columns: spine05 (the lowest, whose pivot is the pelvis centre) first; four: spine04..spine01
        spine = ["spine05", "spine04", "spine03", "spine02", "spine01"][-st["spine_flex"].shape[1]:]
        lat = st["spine_lat"]
        if lat.shape[1] < len(spine):
            lat = np.concatenate([np.zeros((B, len(spine) - lat.shape[1])), lat], 1)
        delta_only = {}
        for k, n in enumerate(spine):
            delta_only[I[n]] = np.einsum("bij,bjk->bik", rot_x(np.radians(st["spine_flex"][:, k])),
                                         rot_y(np.radians(lat[:, k])))
        if "neck" in st:
            delta_only[I["neck01"]] = rot_x(np.radians(st["neck"]))
        if "protract" in st:  # the clavicles turn forward about the trunk's long axis (shoulders rounded)
            for s, sg in (("L", -1.0), ("R", 1.0)):
                delta_only[I[f"clavicle.{s}"]] = rot_z(np.radians(sg * st["protract"]))
        knees = {}
        for s in "LR":
            hip = t_root + np.einsum("bij,j->bi", R_root, self.hip_off[s])
            ankle = st[f"ankle{s}"]
            knee = self.solve_leg(s, hip, ankle, st[f"pole{s}"], np.radians(st[f"swivel{s}"]))
            knees[s] = knee
            targets[I[f"upperleg01.{s}"]] = rot_between(self.u0[f"thigh{s}"], _unit(knee - hip))
            targets[I[f"lowerleg01.{s}"]] = rot_between(self.u0[f"shank{s}"], _unit(ankle - knee))
            Gf = rot_x(np.radians(st[f"heel{s}"]))
            targets[I[f"foot.{s}"]] = Gf
            for n in self.labels:
                if n.startswith("toe") and n.endswith("-1." + s):
                    targets[I[n]] = np.broadcast_to(np.eye(3), (B, 3, 3))
            targets[I[f"upperarm01.{s}"]] = rot_between(self.u0[f"uarm{s}"], _unit(st[f"uarm{s}"]))
            targets[I[f"lowerarm01.{s}"]] = rot_between(self.u0[f"farm{s}"], _unit(st[f"farm{s}"]))
        D = np.tile(np.eye(4), (B, len(self.labels), 1, 1))
        D[:, 0, :3, :3] = R_root
        D[:, 0, :3, 3] = t_root
        for c in range(1, len(self.labels)):
            p = self.parents[c]
            if c in targets:
                G[c] = targets[c]
                D[:, c, :3, :3] = np.einsum("bji,bjk->bik", G[p], G[c])
            elif c in delta_only:
                D[:, c, :3, :3] = delta_only[c]
                G[c] = np.einsum("bij,bjk->bik", G[p], delta_only[c])
            else:
                G[c] = G[p]
        return G, D, knees

    def forward(self, D, chunk=60):
        verts, heads = [], []
        with torch.no_grad():
            for i in range(0, len(D), chunk):
                out = self.m(pose_parameters=torch.from_numpy(D[i:i + chunk]),
                             phenotype_kwargs=self.phenotype)
                verts.append(out["vertices"].numpy())
                heads.append(out["bone_poses"][:, :, :3, 3].numpy())
        return np.concatenate(verts), np.concatenate(heads)


def _unit(v):
    v = np.asarray(v, float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)
