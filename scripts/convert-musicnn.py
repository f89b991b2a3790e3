#!/usr/bin/env python3
"""Converts MusiCNN's weights (MSD_musicnn, MTT_musicnn) from the `musicnn`
0.1.0 wheel on PyPI into safetensors files PlayGenie's Burn port loads.

    python3 scripts/convert-musicnn.py [--wheel FILE] [--out DIR]

Without --wheel it downloads the wheel with `pip download --no-deps` into
~/.cache/playgenie/musicnn. The wheel's sha256 is checked before anything
is read. The weights are TF1 checkpoints (tensor bundles); they are read
here without TensorFlow: the `.index` file is a LevelDB-format table of
BundleEntryProto records (dtype, shape, offset, size, crc32c) and the
`.data-00000-of-00001` file holds the little-endian tensors at those
offsets. Only the model's tensors are kept (not Adam's slots or the beta
powers); every tensor's CRC-32C is checked.

The weights are licensed ISC, (c) Music Technology Group, Universitat
Pompeu Fabra 2019 (Pons & Serra, "musicnn: pre-trained convolutional neural
networks for music audio tagging", ISMIR LBD 2019); see
models/weights/musicnn/LICENSE.md, copied from the wheel.
"""

import argparse
import ast
import hashlib
import json
import os
import struct
import subprocess
import sys
import zipfile

WHEEL = "musicnn-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa"
MODELS = ["MSD_musicnn", "MTT_musicnn"]
TABLE_MAGIC = 0xDB4775248B80FB57
DT_FLOAT = 1


def varint(buf, pos):
    """A protobuf/LevelDB varint at `pos`: (value, next position)."""
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def block(table, offset, size):
    """The entries (key, value) of one uncompressed table block."""
    data = table[offset : offset + size]
    if table[offset + size] != 0:
        raise ValueError("compressed table blocks are not expected in a TF bundle index")
    restarts = struct.unpack_from("<I", data, len(data) - 4)[0]
    end = len(data) - 4 - 4 * restarts
    pos, key, out = 0, b"", []
    while pos < end:
        shared, pos = varint(data, pos)
        unshared, pos = varint(data, pos)
        length, pos = varint(data, pos)
        key = key[:shared] + data[pos : pos + unshared]
        pos += unshared
        out.append((key, data[pos : pos + length]))
        pos += length
    return out


def table_entries(table):
    """Every (key, value) of a LevelDB-format table, in key order."""
    footer = table[-48:]
    if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
        raise ValueError("not a LevelDB table (bad magic)")
    pos = 0
    _, pos = varint(footer, pos)  # metaindex offset
    _, pos = varint(footer, pos)  # metaindex size
    index_offset, pos = varint(footer, pos)
    index_size, pos = varint(footer, pos)
    entries = []
    for _, handle in block(table, index_offset, index_size):
        offset, p = varint(handle, 0)
        size, _ = varint(handle, p)
        entries.extend(block(table, offset, size))
    return entries


def fields(message):
    """A protobuf message's fields: {number: [values]} (varints as ints,
    length-delimited as bytes, fixed32 as ints)."""
    out, pos = {}, 0
    while pos < len(message):
        tag, pos = varint(message, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = varint(message, pos)
        elif wire == 2:
            length, pos = varint(message, pos)
            value = message[pos : pos + length]
            pos += length
        elif wire == 5:
            value = struct.unpack_from("<I", message, pos)[0]
            pos += 4
        elif wire == 1:
            value = struct.unpack_from("<Q", message, pos)[0]
            pos += 8
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def crc32c(data):
    """CRC-32C (Castagnoli), as TF stores it masked."""
    table = crc32c.table
    if table is None:
        table = []
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            table.append(c)
        crc32c.table = table
    crc = 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


crc32c.table = None


def unmask(masked):
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def is_model_tensor(name):
    return not ("Adam" in name or name.endswith("_power"))


def read_bundle(index, data):
    """{name: (shape, raw little-endian f32 bytes)} for the model's tensors."""
    tensors = {}
    for key, value in table_entries(index):
        if key == b"":
            continue  # BundleHeaderProto
        name = key.decode()
        if not is_model_tensor(name):
            continue
        entry = fields(value)
        dtype = entry.get(1, [DT_FLOAT])[0]
        if dtype != DT_FLOAT:
            raise ValueError(f"{name}: dtype {dtype}, expected float32")
        shape = []
        for shape_msg in entry.get(2, []):
            for dim in fields(shape_msg).get(2, []):
                shape.append(fields(dim).get(1, [0])[0])
        offset = entry.get(4, [0])[0]
        size = entry.get(5, [0])[0]
        raw = data[offset : offset + size]
        count = 1
        for d in shape:
            count *= d
        if len(raw) != 4 * count:
            raise ValueError(f"{name}: {len(raw)} bytes for shape {shape}")
        if 6 not in entry:
            raise ValueError(f"{name}: no CRC-32C in the index")
        if unmask(entry[6][0]) != crc32c(raw):
            raise ValueError(f"{name}: CRC-32C mismatch (damaged checkpoint)")
        tensors[name] = (shape, raw)
    return tensors


def write_safetensors(path, tensors, metadata):
    header, offset = {"__metadata__": metadata}, 0
    names = sorted(tensors)
    for name in names:
        shape, raw = tensors[name]
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    partial = path + ".partial"
    with open(partial, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in names:
            f.write(tensors[name][1])
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)


def labels(configuration, model):
    """The tag names of `model` (MSD_LABELS or MTT_LABELS in the wheel's
    configuration.py), in the order of the network's outputs."""
    wanted = model.split("_")[0] + "_LABELS"
    for line in configuration.splitlines():
        if line.startswith(wanted):
            return ast.literal_eval(line.split("=", 1)[1].strip())
    raise ValueError(f"no {wanted} in musicnn/configuration.py")


def fetch_wheel():
    cache = os.path.expanduser("~/.cache/playgenie/musicnn")
    os.makedirs(cache, exist_ok=True)
    wheel = os.path.join(cache, WHEEL)
    if not os.path.exists(wheel):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "musicnn==0.1.0", "-d", cache],
            check=True,
        )
    return wheel


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", help="the musicnn 0.1.0 wheel (default: download it)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(root, "models", "weights", "musicnn"))
    args = parser.parse_args()

    wheel = args.wheel or fetch_wheel()
    with open(wheel, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"error: {wheel} has sha256 {digest}, expected {WHEEL_SHA256}")
    os.makedirs(args.out, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        licence = z.read("musicnn-0.1.0.dist-info/LICENSE.md")
        configuration = z.read("musicnn/configuration.py").decode()
        with open(os.path.join(args.out, "LICENSE.md"), "wb") as f:
            f.write(licence)
        for model in MODELS:
            index = z.read(f"musicnn/{model}/.index")
            data = z.read(f"musicnn/{model}/.data-00000-of-00001")
            tags = labels(configuration, model)
            tensors = read_bundle(index, data)
            floats = sum(len(raw) // 4 for _, raw in tensors.values())
            metadata = {
                "source": f"{WHEEL} (sha256 {WHEEL_SHA256}), musicnn/{model}",
                "license": "ISC, (c) Music Technology Group, Universitat Pompeu Fabra 2019",
                "tags": json.dumps(tags),
            }
            path = os.path.join(args.out, f"{model}.safetensors")
            write_safetensors(path, tensors, metadata)
            if floats != 792_079 or len(tags) != 50:
                raise ValueError(f"{model}: {floats} floats and {len(tags)} tags, expected 792,079 and 50")
            print(f"{model}: {len(tensors)} tensors (CRC-32C checked), {floats:,} floats, {len(tags)} tags -> {path}")


if __name__ == "__main__":
    main()
