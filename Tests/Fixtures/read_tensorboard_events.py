#!/usr/bin/env python3
"""Reads a directory of TensorBoard event files back the way TensorBoard does.

Usage: read_tensorboard_events.py DIR

Prints one JSON object: the scalars by tag as [step, value] pairs (read by
tensorboard's EventAccumulator), the first record's file_version and the
number of records. Every record's TFRecord framing and both masked CRC-32C
checksums are checked first with tensorboard's own crc32c; a mismatch exits 1.
"""
import glob
import json
import os
import struct
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c


def records(path):
    """The payloads of a TFRecord file, every checksum checked."""
    data = open(path, "rb").read()
    offset = 0
    while offset < len(data):
        header = data[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[offset + 8:offset + 12])
        if header_crc != masked_crc32c(header):
            sys.exit(f"{path}: bad length checksum at byte {offset}")
        payload = data[offset + 12:offset + 12 + length]
        (payload_crc,) = struct.unpack("<I", data[offset + 12 + length:offset + 16 + length])
        if len(payload) != length or payload_crc != masked_crc32c(payload):
            sys.exit(f"{path}: bad data checksum at byte {offset}")
        yield payload
        offset += 16 + length


def main():
    directory = sys.argv[1]
    files = sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*")))
    if not files:
        sys.exit(f"{directory}: no event file")
    payloads = [p for f in files for p in records(f)]
    first = event_pb2.Event.FromString(payloads[0])
    accumulator = EventAccumulator(directory, size_guidance={"scalars": 0})
    accumulator.Reload()
    scalars = {tag: [[e.step, e.value] for e in accumulator.Scalars(tag)]
               for tag in accumulator.Tags()["scalars"]}
    print(json.dumps({"files": len(files), "records": len(payloads),
                      "file_version": first.file_version, "scalars": scalars}))


if __name__ == "__main__":
    main()
