"""Real file bytes for upload tests."""

from __future__ import annotations

import struct
import zlib


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    """A real, valid PNG (8-bit RGB, white)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


SVG_BYTES = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><circle r="4"/></svg>'
HTML_BYTES = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
