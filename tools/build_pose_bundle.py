"""Build the pose model bundle that ships inside the package: screening/data/pose_landmarker_full.task.

    # once, at development time, in a Python 3.10-3.12 environment that has the source wheel installed:
    python3.11 -m venv /tmp/mp21 && /tmp/mp21/bin/pip install mediapipe==0.10.21
    /tmp/mp21/bin/python tools/build_pose_bundle.py            # rewrites the bundle and its checksums
    /tmp/mp21/bin/python tools/build_pose_bundle.py --check    # rebuilds in memory, compares with the files

Never run at install time or run time: the package reads the bundle this wrote and checks its sha256
(screening/pose.py); nothing is downloaded when the tool runs.

Why: mediapipe 0.10.21 is the last release whose wheel carries the BlazePose models (its legacy ``solutions``
API), and its wheels exist for CPython 3.9-3.12 only. Newer releases (0.10.30+, 1.x) run on every Python 3 but
have only the Tasks API, whose ``PoseLandmarker`` reads a ``.task`` bundle and ships none. So the bundle is made
here from 0.10.21's own files, the same weights the tool used before:

- ``mediapipe/modules/pose_detection/pose_detection.tflite`` -> ``pose_detector.tflite``
- ``mediapipe/modules/pose_landmark/pose_landmark_full.tflite`` -> ``pose_landmarks_detector.tflite``
  (the full model, the legacy ``model_complexity=1``; the lite and heavy ones are not in the wheel)

The legacy graphs normalise the picture themselves; the Tasks API reads that from each model's metadata and
refuses a model without it. 0.10.21's metadata writer adds an image input with the normalisation the legacy
graphs apply: the detector's input in [-1, 1] (mean 127.5, std 127.5), the landmark model's in [0, 1] (mean 0,
std 255). Each source file is checked against the sha256 the wheel's own RECORD lists for it, so the bundle is
made from the wheel's bytes and nothing else.

The bundle's bytes are deterministic (stored, not compressed, with a fixed timestamp): the same wheel gives the
same sha256, which screening/data/pose_model.json records with the source files' hashes and the wheel's version.
The wheel's LICENSE (Apache-2.0) is copied beside the bundle and a NOTICE says what was taken and changed.
"""
from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "screening" / "data"
BUNDLE = DATA / "pose_landmarker_full.task"
MANIFEST = DATA / "pose_model.json"
LICENSE_OUT = DATA / "LICENSE-mediapipe.txt"
NOTICE_OUT = DATA / "NOTICE-pose-model.txt"

WHEEL_VERSION = "0.10.21"
#: (path in the wheel, name in the bundle, normalisation mean, std, name in the metadata)
MEMBERS = [
    ("mediapipe/modules/pose_detection/pose_detection.tflite", "pose_detector.tflite", 127.5, 127.5,
     "pose_detector"),
    ("mediapipe/modules/pose_landmark/pose_landmark_full.tflite", "pose_landmarks_detector.tflite", 0.0, 255.0,
     "pose_landmarks_detector"),
]
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ALIGN = 64
ALIGN_FIELD_ID = 0xD935  # the zip extra field Android's zipalign pads with

NOTICE = """\
The pose model bundle pose_landmarker_full.task in this folder is a derivative of files from MediaPipe
(https://github.com/google-ai-edge/mediapipe), Copyright The MediaPipe Authors, licensed under the Apache
License, Version 2.0 (the text is in LICENSE-mediapipe.txt beside this file, as the mediapipe {version} wheel
ships it).

Taken, unmodified in their weights, from the mediapipe=={version} wheel:
  {src0}  (sha256 {sha0})
  {src1}  (sha256 {sha1})

Changed: each file was given TensorFlow Lite model metadata describing its image input (normalisation mean and
standard deviation: 127.5 and 127.5 for the pose detector, 0 and 255 for the landmark model), written with
mediapipe {version}'s metadata writer, and the two were stored together in one zip file as
pose_detector.tflite and pose_landmarks_detector.tflite, the layout MediaPipe's Tasks PoseLandmarker reads.
Made by tools/build_pose_bundle.py in the screening project; the bundle's sha256 is in pose_model.json.
"""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record_hashes(record_text: str) -> dict[str, str]:
    """path -> hex sha256 from a wheel's RECORD (which writes urlsafe base64 without padding)."""
    out = {}
    for row in csv.reader(io.StringIO(record_text)):
        if len(row) >= 2 and row[1].startswith("sha256="):
            b64 = row[1][len("sha256="):]
            out[row[0]] = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).hex()
    return out


def read_sources(wheel: Path | None) -> tuple[dict[str, bytes], str]:
    """The two tflite files and the LICENSE, from a wheel file or the installed package, each checked against
    the wheel's RECORD."""
    if wheel is not None:
        with zipfile.ZipFile(wheel) as z:
            dist = f"mediapipe-{WHEEL_VERSION}.dist-info"
            record = _record_hashes(z.read(f"{dist}/RECORD").decode())
            files = {p: z.read(p) for p, *_ in MEMBERS}
            license_text = z.read(f"{dist}/LICENSE").decode()
    else:
        from importlib import metadata

        dist = metadata.distribution("mediapipe")
        record = _record_hashes(dist.read_text("RECORD") or "")
        files = {p: Path(dist.locate_file(p)).read_bytes() for p, *_ in MEMBERS}
        license_text = dist.read_text("LICENSE") or ""
    for path, data in files.items():
        if record.get(path) != sha256(data):
            sys.exit(f"{path} does not match the sha256 the mediapipe {WHEEL_VERSION} wheel's RECORD lists for it")
    if "Apache License" not in license_text:
        sys.exit("the wheel's LICENSE is not the Apache License text")
    return files, license_text


def build(files: dict[str, bytes]) -> bytes:
    """The .task bundle: each model with its image-input metadata, stored in a zip with fixed timestamps."""
    import mediapipe as mp
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer as mw

    if mp.__version__ != WHEEL_VERSION:
        sys.exit(f"run this with mediapipe=={WHEEL_VERSION} installed (found {mp.__version__}): its metadata "
                 "writer is the one the bundle is made with")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for path, name, mean, std, title in MEMBERS:
            writer = mw.MetadataWriter.create(bytearray(files[path]))
            writer.add_general_info(title, f"{Path(path).name} from the mediapipe {WHEEL_VERSION} wheel")
            writer.add_image_input(norm_mean=[mean], norm_std=[std],
                                   color_space_type=mw.metadata_fb.ColorSpaceType.RGB)
            model = bytes(writer.populate()[0])
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            # each model's bytes start on a multiple of ALIGN in the file, as zipalign does (an extra field
            # of padding): TensorFlow Lite then reads its tensors in place instead of warning "Read-only tensor
            # has an unaligned buffer ... copying to an aligned heap buffer"
            header_end = buf.tell() + 30 + len(name.encode()) + 6
            info.extra = ALIGN_FIELD_ID.to_bytes(2, "little") + (2 + (-header_end % ALIGN)).to_bytes(2, "little") \
                + ALIGN.to_bytes(2, "little") + bytes(-header_end % ALIGN)
            z.writestr(info, model)
    return buf.getvalue()


def manifest(bundle: bytes, files: dict[str, bytes]) -> dict:
    return {
        "bundle": BUNDLE.name,
        "sha256": sha256(bundle),
        "bytes": len(bundle),
        "model": "BlazePose GHUM 3D, full (the legacy model_complexity=1), with its segmentation output",
        "source": {
            "package": "mediapipe",
            "version": WHEEL_VERSION,
            "files": {path: {"sha256": sha256(files[path]), "bundled_as": name, "norm_mean": mean, "norm_std": std}
                      for path, name, mean, std, _ in MEMBERS},
        },
        "built_by": "tools/build_pose_bundle.py",
        "license": "Apache-2.0 (LICENSE-mediapipe.txt, NOTICE-pose-model.txt)",
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--wheel", type=Path, help=f"a mediapipe-{WHEEL_VERSION} wheel file to read the models from "
                                               "(default: the installed package)")
    p.add_argument("--check", action="store_true", help="rebuild in memory and compare with the files in the repo")
    args = p.parse_args()
    files, license_text = read_sources(args.wheel)
    bundle = build(files)
    if bundle != build(files):
        sys.exit("two builds from the same files differ: the bundle's bytes are not deterministic")
    info = manifest(bundle, files)
    (src0, *_), (src1, *_) = MEMBERS
    notice = NOTICE.format(version=WHEEL_VERSION, src0=src0, src1=src1, sha0=sha256(files[src0]),
                           sha1=sha256(files[src1]))
    outputs = {BUNDLE: bundle, MANIFEST: (json.dumps(info, indent=2) + "\n").encode(),
               LICENSE_OUT: license_text.encode(), NOTICE_OUT: notice.encode()}
    if args.check:
        stale = [p.name for p, data in outputs.items() if not p.is_file() or p.read_bytes() != data]
        if stale:
            sys.exit(f"differs from a fresh build: {', '.join(stale)}")
        print(f"{BUNDLE.name} and its files match a fresh build (sha256 {info['sha256']})")
        return
    for path, data in outputs.items():
        path.write_bytes(data)
    print(f"wrote {BUNDLE.relative_to(REPO)} ({len(bundle)} bytes, sha256 {info['sha256']}), "
          f"{MANIFEST.name}, {LICENSE_OUT.name}, {NOTICE_OUT.name}")


if __name__ == "__main__":
    main()
