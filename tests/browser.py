"""Debian's headless Chromium in one-shot mode (`--dump-dom`, `--screenshot`) and a PNG reader.

Every run starts a fresh browser with the flags below and a temporary profile (also its HOME, so
nothing is read from or left in the user's), loads a local file and exits; a run that outlives its
deadline has its process group killed. Pages are `file://` URLs: the browser needs no network.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import subprocess
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from operator import add
from pathlib import Path

HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
RUN_TIMEOUT_S = 60.0
STDERR_TAIL_LINES = 30
# Chromium logs these on every start in a container without D-Bus; they hide the useful lines.
_STDERR_NOISE = (":ERROR:dbus/", "unexpected operator")

RGB = tuple[int, int, int]


class ChromiumFailed(AssertionError):
    """A Chromium run exited non-zero, outlived its deadline or did not write its output."""


@dataclass(frozen=True)
class Viewport:
    """A window size (`--window-size`). A screenshot is exactly this size; `--dump-dom` lays the
    page out in a viewport shorter by the height of the (invisible) browser bar."""

    width: int
    height: int

    def flag(self) -> str:
        return f"--window-size={self.width},{self.height}"


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    def inset(self, by: int) -> Box:
        return Box(self.left + by, self.top + by, self.right - by, self.bottom - by)


class Image:
    """A PNG's pixels as RGB (alpha dropped: screenshots are opaque). Scanlines are unfiltered on
    first use, in order: a test that looks at the top of a tall page decodes only that."""

    def __init__(self, width: int, height: int, scanlines: _Scanlines) -> None:
        self.width = width
        self.height = height
        self._scanlines = scanlines
        self._rows: list[bytes] = []

    def row(self, y: int) -> bytes:
        if not 0 <= y < self.height:
            raise IndexError(f"row {y} of a {self.width}x{self.height} image")
        while len(self._rows) <= y:
            self._rows.append(self._scanlines.next_row())
        return self._rows[y]

    def pixel(self, x: int, y: int) -> RGB:
        row = self.row(y)
        return row[3 * x], row[3 * x + 1], row[3 * x + 2]

    def colours(self, box: Box) -> Counter[RGB]:
        """How many pixels of each colour the box (clipped to the image) holds."""
        counts: Counter[RGB] = Counter()
        left, right = max(box.left, 0), min(box.right, self.width)
        for y in range(max(box.top, 0), min(box.bottom, self.height)):
            row = self.row(y)
            counts.update(
                zip(
                    row[3 * left : 3 * right : 3],
                    row[3 * left + 1 : 3 * right : 3],
                    row[3 * left + 2 : 3 * right : 3],
                    strict=True,
                )
            )
        return counts

    def dominant_colour(self, box: Box) -> tuple[RGB, float]:
        """The commonest colour in the box and the share of its pixels it covers."""
        counts = self.colours(box)
        if not counts:
            raise ValueError(f"{box} lies outside the {self.width}x{self.height} image")
        colour, count = counts.most_common(1)[0]
        return colour, count / counts.total()


class Chromium:
    def __init__(self, binary: str, timeout_s: float = RUN_TIMEOUT_S) -> None:
        self.binary = binary
        self.timeout_s = timeout_s

    def dump_dom(self, page: Path, viewport: Viewport) -> str:
        """The page's DOM serialised after its load event (its scripts and load handlers have run)."""
        return self._run(page, viewport, screenshot=False).decode("utf-8")

    def screenshot(self, page: Path, viewport: Viewport) -> Image:
        """The viewport's pixels, one screenshot pixel per CSS pixel."""
        image = decode_png(self._run(page, viewport, screenshot=True))
        if (image.width, image.height) != (viewport.width, viewport.height):
            raise ChromiumFailed(
                f"screenshot of {page} is {image.width}x{image.height}, not the {viewport} asked for"
            )
        return image

    def _run(self, page: Path, viewport: Viewport, *, screenshot: bool) -> bytes:
        """Standard output of a `--dump-dom` run, or the PNG a `--screenshot` run wrote."""
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile_dir:
            profile = Path(profile_dir)
            png = profile / "screenshot.png"
            command = [
                self.binary,
                *HEADLESS_FLAGS,
                f"--user-data-dir={profile}",
                viewport.flag(),
                f"--screenshot={png}" if screenshot else "--dump-dom",
                page.resolve().as_uri(),
            ]
            env = {
                **{k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")},
                "HOME": str(profile),
                "XDG_CONFIG_HOME": str(profile / "config"),
                "XDG_CACHE_HOME": str(profile / "cache"),
            }
            process = subprocess.Popen(
                command,
                cwd=profile,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            try:
                stdout, stderr = process.communicate(timeout=self.timeout_s)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                _stdout, stderr = process.communicate()
                raise ChromiumFailed(
                    f"chromium did not finish within {self.timeout_s:g} s: {' '.join(command)}\n"
                    + _tail(stderr)
                ) from None
            finally:
                _kill_group(process)
            if process.returncode != 0:
                raise ChromiumFailed(
                    f"chromium exited with {process.returncode}: {' '.join(command)}\n{_tail(stderr)}"
                )
            if not screenshot:
                return stdout
            if not png.is_file():
                raise ChromiumFailed(f"chromium wrote no screenshot: {' '.join(command)}\n{_tail(stderr)}")
            return png.read_bytes()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Renderer and helper processes share the browser's session; none may outlive the run."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _tail(stderr: bytes) -> str:
    lines = [
        line
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and not any(noise in line for noise in _STDERR_NOISE)
    ]
    return (
        "chromium stderr (last lines):\n" + "\n".join(lines[-STDERR_TAIL_LINES:]) if lines else "(no stderr)"
    )


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Samples per pixel of each PNG colour type: grey, RGB, palette, grey+alpha, RGBA.
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def decode_png(data: bytes) -> Image:
    """A non-interlaced PNG of 8 bits per sample (what Chromium writes), any colour type."""
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    header = b""
    palette = b""
    compressed = bytearray()
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = body
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or interlace != 0 or colour_type not in _CHANNELS:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    channels = _CHANNELS[colour_type]
    raw = zlib.decompress(bytes(compressed))
    stride = width * channels
    if len(raw) != height * (stride + 1):
        raise ValueError(f"PNG data holds {len(raw)} bytes, expected {height * (stride + 1)}")
    return Image(width, height, _Scanlines(raw, stride, channels, colour_type, palette))


class _Scanlines:
    """The filtered scanlines of a decompressed PNG, unfiltered one after the other (each needs
    the one before it)."""

    def __init__(self, raw: bytes, stride: int, channels: int, colour_type: int, palette: bytes) -> None:
        self._raw = raw
        self._stride = stride
        self._channels = channels
        self._colour_type = colour_type
        self._palette = palette
        self._offset = 0
        self._previous = bytes(stride)

    def next_row(self) -> bytes:
        start = self._offset
        line = self._raw[start + 1 : start + 1 + self._stride]
        self._previous = _unfilter(self._raw[start], line, self._previous, self._channels)
        self._offset += self._stride + 1
        return _to_rgb(self._previous, self._colour_type, self._palette)


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    offset = len(_PNG_SIGNATURE)
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        yield kind, data[offset + 8 : offset + 8 + length]
        offset += 12 + length


def _unfilter(filter_type: int, line: bytes, previous: bytes, bpp: int) -> bytes:
    """Undo one scanline's filter (PNG spec section 9); Sub and Up run in C through map/accumulate."""
    if filter_type == 0:
        return line
    if filter_type == 2:
        return bytes(map((255).__and__, map(add, line, previous)))
    if filter_type == 1:
        out = bytearray(len(line))
        for channel in range(bpp):
            out[channel::bpp] = bytes(map((255).__and__, accumulate(line[channel::bpp], add)))
        return bytes(out)
    out = bytearray(line)
    if filter_type == 3:
        for i in range(len(out)):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + previous[i]) >> 1)) & 255
        return bytes(out)
    if filter_type == 4:
        for i in range(bpp):
            out[i] = (out[i] + previous[i]) & 255
        for i in range(bpp, len(out)):
            left, up, upper_left = out[i - bpp], previous[i], previous[i - bpp]
            # The Paeth predictor with |p-a| = |b-c|, |p-b| = |a-c|, |p-c| = |a+b-2c|; flat areas
            # (a neighbour equal to the upper-left one) decide without any arithmetic.
            if up == upper_left:
                predictor = left
            elif left == upper_left:
                predictor = up
            else:
                to_left, to_up = abs(up - upper_left), abs(left - upper_left)
                to_upper_left = abs(up + left - 2 * upper_left)
                if to_left <= to_up and to_left <= to_upper_left:
                    predictor = left
                elif to_up <= to_upper_left:
                    predictor = up
                else:
                    predictor = upper_left
            out[i] = (out[i] + predictor) & 255
        return bytes(out)
    raise ValueError(f"unknown PNG filter type {filter_type}")


def _to_rgb(row: bytes, colour_type: int, palette: bytes) -> bytes:
    if colour_type == 2:
        return row
    if colour_type == 6:
        out = bytearray(len(row) // 4 * 3)
        for channel in range(3):
            out[channel::3] = row[channel::4]
        return bytes(out)
    if colour_type == 3:
        return b"".join(palette[3 * index : 3 * index + 3] for index in row)
    grey = row if colour_type == 0 else row[::2]
    out = bytearray(len(grey) * 3)
    for channel in range(3):
        out[channel::3] = grey
    return bytes(out)
