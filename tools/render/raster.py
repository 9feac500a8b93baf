"""Pinhole camera, room background and a painter's-algorithm CPU renderer (cv2.fillConvexPoly, flat Lambert)."""
from __future__ import annotations

import cv2
import numpy as np


class Camera:
    """azimuth 0 = in front of the body (on -Y), +90 = on the body's left (+X), -90 = on its right."""

    def __init__(self, W, H, azimuth_deg, distance, height, roll_deg, target, focal=None):
        self.W, self.H = W, H
        az = np.radians(azimuth_deg)
        self.target = np.asarray(target, float)
        self.C = self.target + np.array([distance * np.sin(az), -distance * np.cos(az), 0.0])
        self.C[2] = height
        fwd = self.target - self.C
        fwd /= np.linalg.norm(fwd)
        right = np.cross(fwd, [0, 0, 1.0])
        right /= np.linalg.norm(right)
        down = np.cross(fwd, right)
        r = np.radians(roll_deg)
        self.right = np.cos(r) * right + np.sin(r) * down
        self.down = -np.sin(r) * right + np.cos(r) * down
        self.fwd = fwd
        self.f = focal or 1.0
        self.cx, self.cy = W / 2, H / 2

    def to_cam(self, P):
        d = P - self.C
        return np.stack([d @ self.right, d @ self.down, d @ self.fwd], -1)

    def project(self, P, scale=1.0):
        c = self.to_cam(P)
        z = np.maximum(c[..., 2], 1e-6)
        u = (self.f * c[..., 0] / z + self.cx) * scale
        v = (self.f * c[..., 1] / z + self.cy) * scale
        return np.stack([u, v], -1), z

    def fit(self, pts, margin=0.86):
        """Choose the focal length so all pts fit in the central `margin` of the image (around the image centre)."""
        c = self.to_cam(pts)
        x = np.abs(c[:, 0] / c[:, 2]).max()
        y = np.abs(c[:, 1] / c[:, 2]).max()
        self.f = min(margin * self.W / 2 / x, margin * self.H / 2 / y)


def background(cam, scale, room, light):
    """Per-pixel room: floor z=0 (planks), wall behind the body (normal toward the camera), skirting board."""
    W, H = cam.W * scale, cam.H * scale
    u, v = np.meshgrid((np.arange(W) + 0.5) / scale, (np.arange(H) + 0.5) / scale)
    d = (cam.fwd[None, None] + ((u - cam.cx) / cam.f)[..., None] * cam.right[None, None]
         + ((v - cam.cy) / cam.f)[..., None] * cam.down[None, None])
    n_w = -cam.fwd.copy()
    n_w[2] = 0
    n_w /= np.linalg.norm(n_w)
    wall_pt = cam.target - n_w * room["wall_dist"]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(d[..., 2] < -1e-6, -cam.C[2] / d[..., 2], np.inf)
        dn = d @ n_w
        t_wall = np.where(dn < -1e-6, ((wall_pt - cam.C) @ n_w) / dn, np.inf)
    img = np.zeros((H, W, 3), np.float32)
    floor = t_floor < t_wall
    P = cam.C[None, None] + np.where(floor, t_floor, t_wall)[..., None] * d
    # floor: planks along the wall direction
    side = np.cross([0, 0, 1.0], n_w)
    a = P @ side
    b = P @ n_w
    plank = np.floor(b / room["plank_w"])
    rnd = (np.sin(plank * 12.9898) * 43758.5453) % 1.0
    fc = np.array(room["floor"], np.float32)[None, None] * (0.88 + 0.2 * rnd[..., None])
    seam = (np.abs((b / room["plank_w"]) - np.round(b / room["plank_w"])) < 0.02)
    grain = 0.04 * np.sin(a * 9.0 + rnd * 20)[..., None]
    fc = fc * (1 + grain) * np.where(seam[..., None], 0.75, 1.0)
    wc = np.array(room["wall"], np.float32)[None, None] * np.ones_like(img)
    skirt = P[..., 2] < room["skirt_h"]
    wc = np.where(skirt[..., None], np.array(room["skirt"], np.float32)[None, None], wc)
    img = np.where(floor[..., None], fc, wc)
    # light falloff: a soft gradient
    shade = 0.75 + 0.25 * np.clip(1.0 - np.abs(P @ side - (cam.target @ side) - light["spot_off"]) / 4.0, 0, 1)
    img = img * shade[..., None] * light["bg_gain"]
    return np.clip(img, 0, 255)


def shadow_mask(cam, scale, verts, light_dir):
    """Soft contact shadow: vertices projected onto the floor along the light, splatted and blurred."""
    W, H = cam.W * scale, cam.H * scale
    v = verts[::7]
    ld = light_dir / -light_dir[2]
    fp = v + v[:, 2:3] * ld[None]
    fp[:, 2] = 0.002
    uv, z = cam.project(fp, scale)
    m = np.zeros((H, W), np.uint8)
    r = max(2, int(0.03 * cam.f * scale / np.median(z)))
    for (x, y) in uv.astype(np.int32):
        if 0 <= x < W and 0 <= y < H:
            cv2.circle(m, (int(x), int(y)), r, 255, -1)
    k = int(4 * r) | 1
    m = cv2.GaussianBlur(m, (k, k), 0)
    return m.astype(np.float32) / 255.0


def draw_mesh(img, cam, scale, verts, faces, face_col, light_dir, ambient, face_keep=None):
    """Painter's algorithm into img (float32 HxWx3, modified). face_col: (F,3) RGB 0..255."""
    tri = verts[faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
    cen = tri.mean(1)
    vis = np.einsum("fi,fi->f", n, cam.C[None] - cen) > 0
    if face_keep is not None:
        vis &= face_keep
    uv, z = cam.project(verts, scale)
    lam = np.clip(n @ (-light_dir), 0, 1)
    col = face_col * (ambient + (1 - ambient) * lam)[:, None]
    idx = np.where(vis)[0]
    depth = z[faces[idx]].mean(1)
    idx = idx[np.argsort(-depth)]
    pts = np.round((uv[faces[idx]] - 0.5) * 8).astype(np.int32)  # 3 bits of sub-pixel precision
    cols = np.clip(col[idx], 0, 255).tolist()
    for p, c in zip(pts, cols):
        cv2.fillConvexPoly(img, p, c, lineType=cv2.LINE_8, shift=3)
    return img
