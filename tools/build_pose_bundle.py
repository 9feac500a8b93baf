"""Build the pose model bundle that ships inside the package: screening/data/pose_landmarker_full.task.

    # once, at development time, in a Python 3.10-3.12 environment that has the source wheel installed:
    python3.11 -m venv /tmp/mp21 && /tmp/mp21/bin/pip install mediapipe==0.10.21
    /tmp/mp21/bin/python tools/build_pose_bundle.py            # rewrites the bundle and its checksums
    /tmp/mp21/bin/python tools/build_pose_bundle.py --check    # rebuilds in memory, compares with the files

Never run at install time or run time: the package reads the bundle this wrote and checks its sha256
(screening/pose/model.py); nothing is downloaded when the tool runs.

Why: mediapipe 0.10.21 is the last release whose wheel carries the BlazePose models (its legacy ``solutions``
API), and its wheels exist for CPython 3.9-3.12 only. Newer releases (0.10.30+, 1.x) run on every Python 3 but
have only the Tasks API, whose ``PoseLandmarker`` reads a ``.task`` bundle and ships none. So the bundle is made
here from 0.10.21's own files, the same weights the tool used before:

- ``mediapipe/modules/pose_detection/pose_detection.tflite`` -> ``pose_detector.tflite``
- ``mediapipe/modules/pose_landmark/pose_landmark_full.tflite`` -> ``pose_landmarks_detector.tflite``
  (the full model, the legacy ``model_complexity=1``; the lite and heavy ones are not in the wheel), its weights
  unchanged, with two GATHER ops that bring out the two alignment points the Tasks API drops
  (:func:`with_alignment_points`): the tool places each frame's crop from them, as the legacy graph did
- ``whole_picture_detector.tflite``: new, a stand-in detector that reports one person filling the picture
  (:func:`whole_picture_detector`), so that the Tasks landmarker runs the landmark model on the crop the tool cut
  (screening/roi.py)

The model surgery uses 0.10.21's own TensorFlow Lite schema (``mediapipe.tasks.metadata.schema_py_generated``,
its object API) and the ``flatbuffers`` package it depends on.

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
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))
from screening.bundle import pack  # noqa: E402  (the zip layout the package reads its bundles in)
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
#: the third member: the stand-in detector the tracker runs on crops it cut itself (:func:`whole_picture_detector`)
WHOLE_PICTURE = "whole_picture_detector.tflite"

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
The landmark model's weights are unchanged; two GATHER operations were added on its outputs, which reorder
them: its two alignment points (raw landmarks 33 and 34) and their heatmaps take the mouth's slots (9 and 10),
and the mouth's x, y and visibility go into the z of landmarks 1-6. A third file, whole_picture_detector.tflite,
is new (no MediaPipe weights): it stands in for the detector and reports one person filling the picture.
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


#: where the landmark model's two alignment points go in its 39 x 5 output (see :func:`with_alignment_points`)
ALIGNMENT_SLOTS = (9, 10)
#: landmark -> the (landmark, field) whose value its z slot carries: the mouth's x, y and visibility logit
MOUTH_IN_Z = {1: (9, 0), 2: (9, 1), 3: (9, 3), 4: (10, 0), 5: (10, 1), 6: (10, 3)}


def _flatbuffer_model(data: bytes):
    from mediapipe.tasks.metadata import schema_py_generated as fb

    return fb, fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(bytearray(data), 0))


def _pack_model(fb, model) -> bytes:
    import flatbuffers

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _opcode(fb, model, builtin: int) -> int:
    for i, code in enumerate(model.operatorCodes):
        if max(code.builtinCode, code.deprecatedBuiltinCode) == builtin:
            return i
    code = fb.OperatorCodeT()
    code.builtinCode, code.deprecatedBuiltinCode, code.version = builtin, min(builtin, 127), 1
    model.operatorCodes.append(code)
    return len(model.operatorCodes) - 1


def _tensor(fb, model, graph, name: str, shape: list[int], data=None, dtype: int = 0) -> int:
    """A new float32 (dtype 0) or int32 (2) tensor, constant when ``data`` is given."""
    import numpy as np

    buffer = fb.BufferT()
    if data is not None:
        buffer.data = np.ascontiguousarray(data, dtype=np.float32 if dtype == 0 else np.int32).ravel().view(np.uint8)
    model.buffers.append(buffer)
    tensor = fb.TensorT()
    tensor.name, tensor.shape, tensor.type, tensor.buffer = name.encode(), list(shape), dtype, len(model.buffers) - 1
    graph.tensors.append(tensor)
    return len(graph.tensors) - 1


def _operator(fb, model, graph, builtin: int, inputs: list[int], outputs: list[int], options=None,
              options_type: int = 0) -> None:
    op = fb.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = _opcode(fb, model, builtin), list(inputs), list(outputs)
    op.builtinOptionsType, op.builtinOptions = options_type, options
    graph.operators.append(op)


def with_alignment_points(landmark_model: bytes) -> bytes:
    """The landmark model with its two alignment points (raw landmarks 33 and 34, which MediaPipe's legacy
    graph tracks the next frame's crop from, and which the Tasks API drops) moved into the mouth's two slots
    (9 and 10), and the mouth's x, y and visibility logit into the z of landmarks 1-6 (the tool reads no z);
    the heatmaps MediaPipe refines each landmark with follow (channels 9 and 10 <- 33 and 34), so the points are
    refined as the legacy graph refined them. Two GATHER ops on the outputs; the weights are untouched."""
    import numpy as np

    fb, model = _flatbuffer_model(landmark_model)
    graph = model.subgraphs[0]
    out = graph.outputs[0]
    assert list(graph.tensors[out].shape) == [1, 195], "not the pose landmark model this tool expects"
    index = np.arange(195).reshape(39, 5)
    for slot, raw in zip(ALIGNMENT_SLOTS, (33, 34)):
        index[slot] = np.arange(raw * 5, raw * 5 + 5)
    for landmark, (mouth, field) in MOUTH_IN_Z.items():
        index[landmark, 2] = mouth * 5 + field
    _gather(fb, model, graph, 0, index.ravel(), axis=1)
    # the heatmaps (1, 64, 64, 39), which MediaPipe refines each landmark's place with, follow their landmarks
    heatmap = graph.tensors[graph.outputs[3]]
    assert list(heatmap.shape) == [1, 64, 64, 39], "not the pose landmark model this tool expects"
    channels = np.arange(39)
    channels[list(ALIGNMENT_SLOTS)] = (33, 34)
    _gather(fb, model, graph, 3, channels, axis=3)
    return _pack_model(fb, model)


def _gather(fb, model, graph, output: int, order, axis: int) -> None:
    """Replace the graph's ``output``-th output by a GATHER of it along ``axis`` in ``order`` (same name)."""
    source = graph.outputs[output]
    name, shape = graph.tensors[source].name.decode(), list(graph.tensors[source].shape)
    graph.tensors[source].name = f"{name}_unpacked".encode()
    indices = _tensor(fb, model, graph, f"{name}_order", [len(order)], order, dtype=2)
    packed = _tensor(fb, model, graph, name, shape)
    options = fb.GatherOptionsT()
    options.axis = axis
    _operator(fb, model, graph, fb.BuiltinOperator.GATHER, [source, indices], [packed], options,
              fb.BuiltinOptions.GatherOptions)
    graph.outputs[output] = packed


#: the pose detector's anchor 0 (SSD anchors of MediaPipe's pose detector: 224 px input, first layer stride 8,
#: fixed anchor size): its centre, in the input's fraction
ANCHOR0 = 0.5 / 28


def whole_picture_detector(detector: bytes) -> bytes:
    """A stand-in for the pose detector that finds one person whose region of interest is the whole picture,
    upright: keypoint 0 (hip centre) at the picture's centre, keypoint 1 at 0.4 of its side above it, which
    MediaPipe turns into a square of side 2 x 0.4 x 1.25 = 1 with no rotation. The tool cuts that picture itself
    (the crop MediaPipe's legacy graph would cut), so the Tasks API's landmark model runs on exactly it.
    Same input and outputs as ``detector`` (whose weights it drops): input (1, 224, 224, 3) -> MEAN -> times 0
    -> plus constant boxes (1, 2254, 12) and scores (1, 2254, 1), anchor 0 scoring 100 (sigmoid 1), others -100."""
    import numpy as np

    fb, source = _flatbuffer_model(detector)
    src = source.subgraphs[0]
    n_boxes = int(src.tensors[src.outputs[0]].shape[1])
    model = fb.ModelT()
    model.version, model.description = 3, b"screening: whole-picture pose region"
    model.operatorCodes, model.buffers = [], [fb.BufferT()]  # buffer 0 is the empty one by convention
    graph = fb.SubGraphT()
    graph.tensors, graph.operators, graph.name = [], [], b"main"
    model.subgraphs = [graph]
    image = _tensor(fb, model, graph, "input_1", [1, 224, 224, 3])
    axes = _tensor(fb, model, graph, "axes", [3], [1, 2, 3], dtype=2)
    mean = _tensor(fb, model, graph, "mean", [1])
    zero = _tensor(fb, model, graph, "zero", [1], [0.0])
    nothing = _tensor(fb, model, graph, "nothing", [1])
    c, top = (0.5 - ANCHOR0) * 224, (0.1 - ANCHOR0) * 224
    boxes = np.zeros((1, n_boxes, 12), np.float32)
    boxes[0, 0] = [c, c, 224, 224, c, c, c, top, c, c, c, c]
    scores = np.full((1, n_boxes, 1), -100.0, np.float32)
    scores[0, 0, 0] = 100.0
    boxes_c = _tensor(fb, model, graph, "boxes", boxes.shape, boxes)
    scores_c = _tensor(fb, model, graph, "scores", scores.shape, scores)
    out_boxes = _tensor(fb, model, graph, "Identity", boxes.shape)
    out_scores = _tensor(fb, model, graph, "Identity_1", scores.shape)
    reducer = fb.ReducerOptionsT()
    reducer.keepDims = False
    _operator(fb, model, graph, fb.BuiltinOperator.MEAN, [image, axes], [mean], reducer, fb.BuiltinOptions.ReducerOptions)
    _operator(fb, model, graph, fb.BuiltinOperator.MUL, [mean, zero], [nothing], fb.MulOptionsT(),
              fb.BuiltinOptions.MulOptions)
    _operator(fb, model, graph, fb.BuiltinOperator.ADD, [boxes_c, nothing], [out_boxes], fb.AddOptionsT(),
              fb.BuiltinOptions.AddOptions)
    _operator(fb, model, graph, fb.BuiltinOperator.ADD, [scores_c, nothing], [out_scores], fb.AddOptionsT(),
              fb.BuiltinOptions.AddOptions)
    graph.inputs, graph.outputs = [image], [out_boxes, out_scores]
    return _pack_model(fb, model)


def build(files: dict[str, bytes]) -> bytes:
    """The .task bundle: each model with its image-input metadata, stored in a zip with fixed timestamps."""
    import mediapipe as mp
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer as mw

    if mp.__version__ != WHEEL_VERSION:
        sys.exit(f"run this with mediapipe=={WHEEL_VERSION} installed (found {mp.__version__}): its metadata "
                 "writer is the one the bundle is made with")
    detector, landmarks = (files[path] for path, *_ in MEMBERS)
    models = {MEMBERS[0][0]: detector, MEMBERS[1][0]: with_alignment_points(landmarks),
              WHOLE_PICTURE: whole_picture_detector(detector)}
    written = {}
    for path, name, mean, std, title in MEMBERS + [(WHOLE_PICTURE, WHOLE_PICTURE, 127.5, 127.5, "whole_picture")]:
        writer = mw.MetadataWriter.create(bytearray(models[path]))
        writer.add_general_info(title, f"{Path(path).name} from the mediapipe {WHEEL_VERSION} wheel"
                                if path != WHOLE_PICTURE else "the whole picture as one person's region")
        writer.add_image_input(norm_mean=[mean], norm_std=[std], color_space_type=mw.metadata_fb.ColorSpaceType.RGB)
        written[name] = bytes(writer.populate()[0])
    # stored, fixed times, each model's bytes aligned so TensorFlow Lite reads its tensors in place (instead of
    # warning "Read-only tensor has an unaligned buffer ... copying"): the package's own packer
    return pack(written)


def _flatbuffers_version() -> str:
    from importlib import metadata

    return metadata.version("flatbuffers")


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
        "built_with": {"mediapipe": WHEEL_VERSION, "flatbuffers": _flatbuffers_version()},
        "members": {"pose_detector.tflite": "the person detector, unchanged",
                    "pose_landmarks_detector.tflite": "the full landmark model, outputs reordered "
                                                      "(screening/bundle.py)",
                    WHOLE_PICTURE: "a stand-in detector: one person filling the picture"},
        "license": "Apache-2.0 (LICENSE-mediapipe.txt, NOTICE-pose-model.txt)",
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--wheel", type=Path, help=f"a mediapipe-{WHEEL_VERSION} wheel file to read the models from "
                                               "(default: the installed package)")
    p.add_argument("--check", action="store_true", help="rebuild in memory and compare with the files in the repo")
    p.add_argument("--landmark-model", type=Path, help="another legacy landmark model in place of the full one, to try "
                   "(pose_landmark_heavy.tflite of the npm package @mediapipe/pose, Apache-2.0: `npm pack "
                   "@mediapipe/pose@0.5.1675469404`; its pose_landmark_full.tflite is byte for byte the wheel's); "
                   "with --out, nothing in the repository is written")
    p.add_argument("--out", type=Path, help="with --landmark-model: the bundle's file")
    args = p.parse_args()
    files, license_text = read_sources(args.wheel)
    if args.landmark_model:
        if not args.out:
            sys.exit("--landmark-model needs --out: the shipped bundle is the full model's")
        files[MEMBERS[1][0]] = args.landmark_model.read_bytes()
        args.out.write_bytes(build(files))
        print(f"wrote {args.out} (landmark model {args.landmark_model.name}, sha256 "
              f"{sha256(files[MEMBERS[1][0]])}); try it with bench/front_lunge.py --model and bench/throughput.py --model")
        return
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
