"""Clips for the tests: small constructed ones written on the spot (PyAV, H.264 unless asked otherwise), and
what is known of the real clips in ../shared/videos. Not a test module."""
from __future__ import annotations

import av
import numpy as np

def pattern_frame(h: int, w: int, i: int = 0) -> np.ndarray:
    """An asymmetric test picture: red block top-left, green bar along the bottom, a moving dot."""
    img = np.full((h, w, 3), 40, np.uint8)
    img[: h // 4, : w // 3] = (230, 30, 30)
    img[-h // 8:, :] = (30, 200, 30)
    img[h // 2 - 8: h // 2 + 8, (i * 7) % (w - 16): (i * 7) % (w - 16) + 16] = 255
    return img


def write_clip(path, frames, fps=30.0, rotation=None, times=None, codec="libx264", pix_fmt="yuv420p",
               options=None, codec_options=None):
    """Write RGB frames (H.264 unless ``codec`` says otherwise); ``rotation`` stores a display rotation
    (counter-clockwise degrees); ``times`` the frames' own timestamps; ``options`` the container's,
    ``codec_options`` the encoder's."""
    h, w = frames[0].shape[:2]
    c = av.open(str(path), "w", options=options or {})
    s = c.add_stream(codec, rate=int(fps))
    s.width, s.height, s.pix_fmt = w, h, pix_fmt
    if codec_options:
        s.options = dict(codec_options)
    if rotation:
        s.set_display_rotation(rotation)
    from fractions import Fraction

    s.codec_context.time_base = Fraction(1, 1000)
    for i, f in enumerate(frames):
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
        vf.pts = int(round((times[i] if times is not None else i / fps) * 1000))
        vf.time_base = Fraction(1, 1000)
        for p in s.encode(vf):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    return path


#: nowva_lunge, (each rep's bottom, s -> the person's leg in front). Read off the frames by eye (issue 26
#: asked whether the legs alternate): contact sheets every 0.4-0.8 s over the whole clip and every 0.1 s from
#: 2.0 to 4.6 s show both shoes on the same spots of the mat throughout, the rear one image-left on its toes,
#: the front one flat: a split squat that never changes legs, so the frames at 1.63 and 4.63 s have the same
#: leg in front (they differ only in where the dumbbells hang). That leg is the near one: 2x crops of the
#: bottoms and of standing (3.0 s) show the front shoe's sole ~20 px (full size) lower in the picture than
#: the rear shoe's toe, i.e. nearer a camera above the floor. A person facing image-right turns their right
#: side to the camera (the overlay's timer and percentage read the right way round: the video is not
#: mirrored): the right leg, every rep.
NOWVA_LUNGE_LEAD = [(1.8, "right"), (4.67, "right"), (7.47, "right"), (10.47, "right"), (13.33, "right"),
                    (16.53, "right"), (19.6, "right"), (22.6, "right"), (25.4, "right"), (28.33, "right"),
                    (31.2, "right")]
