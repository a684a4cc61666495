"""Decode enough of a PNG to check it without Qt (test helper): chunks, CRCs, size, first row."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


class PngError(ValueError):
    pass


@dataclass
class PngInfo:
    width: int
    height: int
    bit_depth: int
    color_type: int
    first_row: list[tuple[int, ...]]  # pixels of the top row, one tuple of samples each


def _unfilter(kind: int, row: bytearray, prev: bytes, bpp: int) -> bytearray:
    out = bytearray(row)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        up = prev[i]
        up_left = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 2:
            out[i] = (out[i] + up) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - up_left
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
            pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
            out[i] = (out[i] + pred) & 0xFF
        elif kind != 0:
            raise PngError(f"unknown filter type {kind}")
    return out


def read_png(data: bytes) -> PngInfo:
    """Check signature, chunk CRCs, IHDR, IEND and that the image data inflates to the right size."""
    if not data.startswith(SIGNATURE):
        raise PngError("not a PNG signature")
    pos = len(SIGNATURE)
    header = None
    idat = bytearray()
    ended = False
    while pos < len(data):
        if pos + 8 > len(data):
            raise PngError("truncated chunk header")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        crc_bytes = data[pos + 8 + length : pos + 12 + length]
        if len(body) != length or len(crc_bytes) != 4:
            raise PngError(f"truncated {kind!r} chunk")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc_bytes)[0]:
            raise PngError(f"bad CRC in {kind!r}")
        if header is None and kind != b"IHDR":
            raise PngError("IHDR is not the first chunk")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            ended = True
            break
        pos += 12 + length
    if header is None or not ended:
        raise PngError("missing IHDR or IEND")
    width, height, depth, color_type, _comp, _filter, interlace = header
    if width == 0 or height == 0 or color_type not in CHANNELS or interlace != 0 or depth != 8:
        raise PngError(f"unexpected header {header}")
    raw = zlib.decompress(bytes(idat))
    bpp = CHANNELS[color_type]
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise PngError(f"image data has {len(raw)} bytes, expected {height * (stride + 1)}")
    row = _unfilter(raw[0], bytearray(raw[1 : 1 + stride]), bytes(stride), bpp)
    pixels = [tuple(row[i : i + bpp]) for i in range(0, stride, bpp)]
    return PngInfo(width, height, depth, color_type, pixels)
