"""The coverage page as a browser shows it. Debian's headless Chromium renders the page (a copy with a
probe script that records the laid-out cells, legend, links and fetched resources into the DOM),
then screenshots it at the same size: the tests assert on positions, computed colours and pixels."""

from __future__ import annotations

import contextlib
import html
import json
import re
import struct
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from monitoring.inventory.build import load_inventory
from monitoring.pipeline import build_artifacts
from monitoring.writer import write_tree
from tests.browser import RGB, Box, Chromium, ChromiumFailed, Image, Viewport, decode_png
from tests.helpers import GENERATED, REPO, run_mac
from tests.servers import tool

LEVELS = ("yes", "partial", "no")
# A laptop's width; the first window is tall enough for most pages to fit whole (a page that does
# not is rendered a second time in a window as tall as it).
WIDTH = 1280
FIRST_HEIGHT = 2400
# A taller page is no overview: fail rather than decode a screenshot of that size.
MAX_HEIGHT = 16_000
# Channel difference allowed between a computed colour and its rendered pixels.
TOLERANCE = 3
# Share of a cell's pixels its background must cover (the rest is its text).
BACKGROUND_SHARE = 0.4
# Manhattan RGB distance that tells two level colours apart at a glance.
DISTINCT = 90
# WCAG 2 AA contrast for normal-size text (a cell's counts are small).
READABLE_CONTRAST = 4.5

PROBE = r"""
addEventListener('load', () => { try { probe(); } catch (error) {
  document.documentElement.dataset.probeError = String(error?.stack ?? error);
} });
function probe() {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const paint = canvas.getContext('2d', {willReadFrequently: true});
  const rgba = colour => {
    paint.clearRect(0, 0, 1, 1);
    paint.fillStyle = '#000';
    paint.fillStyle = colour;
    paint.fillRect(0, 0, 1, 1);
    return [...paint.getImageData(0, 0, 1, 1).data];
  };
  const box = e => {
    const r = e.getBoundingClientRect();
    return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY];
  };
  const shown = e => {
    const s = getComputedStyle(e);
    return e.getClientRects().length > 0 && s.visibility === 'visible' && parseFloat(s.opacity) > 0;
  };
  const LEVELS = ['yes', 'partial', 'no'];
  const level = e => LEVELS.filter(l => e.classList.contains('level-' + l));
  const cells = [...document.querySelectorAll('td.cell')].map(e => ({
    system: e.dataset.system ?? null, signal: e.dataset.signal ?? null, level: e.dataset.level ?? null,
    classes: level(e), box: box(e), shown: shown(e),
    background: rgba(getComputedStyle(e).backgroundColor), ink: rgba(getComputedStyle(e).color),
    text: e.innerText,
  }));
  // A legend entry is an element of .legend with a data-level; its swatch, the first part of it
  // painted in a solid colour.
  const swatches = [...document.querySelectorAll('.legend [data-level]')].map(item => {
    const swatch = [item, ...item.querySelectorAll('*')]
      .find(e => rgba(getComputedStyle(e).backgroundColor)[3] === 255) ?? item;
    return {level: item.dataset.level, box: box(swatch), shown: shown(swatch) && shown(item),
            background: rgba(getComputedStyle(swatch).backgroundColor), text: item.innerText};
  });
  const links = [...document.querySelectorAll('a[href]')].map(a => ({
    href: a.getAttribute('href'), url: a.href, box: box(a), shown: shown(a), text: a.innerText,
  }));
  const external = [...document.querySelectorAll('[src], [srcset], link[href], object[data], iframe')]
    .map(e => e.outerHTML.slice(0, 200));
  for (const sheet of document.styleSheets) {
    if (sheet.href && !sheet.href.startsWith('data:')) external.push('stylesheet ' + sheet.href);
    let rules = [];
    try { rules = [...sheet.cssRules]; } catch (error) { continue; }
    for (const rule of rules) {
      for (const url of rule.cssText.matchAll(/url\(\s*["']?([^"')]*)/g)) {
        if (!url[1].startsWith('data:') && !url[1].startsWith('#')) external.push(rule.cssText.slice(0, 200));
      }
      if (rule instanceof CSSImportRule) external.push(rule.cssText);
    }
  }
  const root = document.documentElement;
  root.dataset.probe = JSON.stringify({
    viewport: [innerWidth, innerHeight], client: [root.clientWidth, root.clientHeight],
    size: [root.scrollWidth, root.scrollHeight],
    // What shows through transparent elements: the body's colour, the root's, or the canvas white.
    background: [document.body, root].map(e => rgba(getComputedStyle(e).backgroundColor))
      .find(colour => colour[3] === 255) ?? [255, 255, 255, 255],
    cells, swatches, links, external,
    fetched: performance.getEntriesByType('resource').map(r => r.name),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  });
}
"""


@dataclass(frozen=True)
class Cell:
    system: str | None
    signal: str | None
    level: str | None
    classes: tuple[str, ...]
    box: Box
    shown: bool
    background: tuple[int, ...]
    ink: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class Swatch:
    level: str
    box: Box
    shown: bool
    background: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class Link:
    href: str
    url: str
    box: Box
    shown: bool
    text: str


@dataclass(frozen=True)
class Page:
    # The window's layout viewport, the part of it scrollbars leave, the scrollable extent.
    viewport: Viewport
    client: Viewport
    size: tuple[int, int]
    background: tuple[int, ...]
    cells: tuple[Cell, ...]
    swatches: tuple[Swatch, ...]
    links: tuple[Link, ...]
    external: tuple[str, ...]
    fetched: tuple[str, ...]
    ids: frozenset[str]


@dataclass(frozen=True)
class Rendered:
    page: Page
    image: Image


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    return Chromium(tool("chromium"))


def _box(edges: Sequence[float]) -> Box:
    left, top, right, bottom = (round(edge) for edge in edges)
    return Box(left, top, right, bottom)


def probed_copy(page: Path, into: Path) -> Path:
    """The page with the probe first in <head> (before any Content-Security-Policy the page sets) and
    a <base> that resolves its relative links where the original lies."""
    source = page.read_text(encoding="utf-8")
    prelude = f'<base href="{html.escape(page.resolve().as_uri())}"><script>{PROBE}</script>'
    head = re.search(r"<head\b[^>]*>", source, re.IGNORECASE)
    at = head.end() if head else 0
    copy = into / f"probed-{page.name}"
    copy.write_text(source[:at] + prelude + source[at:], encoding="utf-8")
    return copy


class _RootAttributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attributes: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html" and self.attributes is None:
            self.attributes = dict(attrs)


def read_probe(dom: str) -> Page:
    parser = _RootAttributes()
    parser.feed(dom)
    attributes = parser.attributes or {}
    assert "data-probe-error" not in attributes, f"the probe failed: {attributes['data-probe-error']}"
    probe = attributes.get("data-probe")
    assert probe, f"no data-probe on <html>: the page's load event did not fire\n{dom[:2000]}"
    data: dict[str, Any] = json.loads(probe)
    return Page(
        viewport=Viewport(*data["viewport"]),
        client=Viewport(*data["client"]),
        size=(data["size"][0], data["size"][1]),
        background=tuple(data["background"]),
        cells=tuple(
            Cell(
                system=c["system"],
                signal=c["signal"],
                level=c["level"],
                classes=tuple(c["classes"]),
                box=_box(c["box"]),
                shown=c["shown"],
                background=tuple(c["background"]),
                ink=tuple(c["ink"]),
                text=c["text"],
            )
            for c in data["cells"]
        ),
        swatches=tuple(
            Swatch(s["level"], _box(s["box"]), s["shown"], tuple(s["background"]), s["text"])
            for s in data["swatches"]
        ),
        links=tuple(Link(k["href"], k["url"], _box(k["box"]), k["shown"], k["text"]) for k in data["links"]),
        external=tuple(data["external"]),
        fetched=tuple(data["fetched"]),
        ids=frozenset(data["ids"]),
    )


def render(chromium: Chromium, page: Path, tmp_path: Path) -> Rendered:
    """The whole page laid out WIDTH wide and screenshot in a viewport as tall as the page (or as
    the first one, if it fits), so that every cell is on the picture. `--dump-dom` lays a page out
    in the window less the height of the (invisible) browser bar, `--screenshot` in the whole
    window: the first dump tells that height, and the screenshot's window is the dump's viewport."""
    probed = probed_copy(page, tmp_path)
    first = read_probe(chromium.dump_dom(probed, Viewport(WIDTH, FIRST_HEIGHT)))
    if first.size[1] <= first.client.height:
        return Rendered(first, chromium.screenshot(probed, first.viewport))
    assert first.size[1] <= MAX_HEIGHT, f"{page} is {first.size[1]} px tall"
    # As tall as the page and the horizontal scrollbar under it, if there is one.
    whole = Viewport(WIDTH, first.size[1] + first.viewport.height - first.client.height)
    bar = FIRST_HEIGHT - first.viewport.height
    with ThreadPoolExecutor(max_workers=2) as pool:
        dom = pool.submit(chromium.dump_dom, probed, Viewport(WIDTH, whole.height + bar))
        image = pool.submit(chromium.screenshot, probed, whole)
        laid_out = read_probe(dom.result())
        assert laid_out.viewport == whole, f"dump laid the page out in {laid_out.viewport}, not {whole}"
        return Rendered(laid_out, image.result())


def _close(colour: Sequence[int], other: Sequence[int]) -> bool:
    return all(abs(a - b) <= TOLERANCE for a, b in zip(colour[:3], other[:3], strict=True))


def _distance(colour: Sequence[int], other: Sequence[int]) -> int:
    return sum(abs(a - b) for a, b in zip(colour[:3], other[:3], strict=True))


def _luminance(colour: Sequence[int]) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in colour[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(colour: Sequence[int], other: Sequence[int]) -> float:
    lighter, darker = sorted((_luminance(colour), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _inside(box: Box, viewport: Viewport) -> bool:
    return 0 <= box.left < box.right <= viewport.width and 0 <= box.top < box.bottom <= viewport.height


def level_colours(page: Page) -> dict[str, tuple[int, ...]]:
    """The one background of each level's cells; a level whose cells differ fails."""
    colours: dict[str, set[tuple[int, ...]]] = {}
    for cell in page.cells:
        assert cell.level in LEVELS, f"cell {cell.system}/{cell.signal}: data-level {cell.level!r}"
        assert cell.classes == (cell.level,), f"cell {cell.system}/{cell.signal}: classes {cell.classes}"
        colours.setdefault(cell.level, set()).add(cell.background)
    for level, backgrounds in colours.items():
        assert len(backgrounds) == 1, f"level {level!r} cells have several backgrounds: {sorted(backgrounds)}"
    return {level: next(iter(backgrounds)) for level, backgrounds in colours.items()}


def assert_cells_show_their_level(rendered: Rendered) -> dict[str, tuple[int, ...]]:
    page, image = rendered.page, rendered.image
    assert page.cells, "the page has no heat-map cell (td.cell)"
    colours = level_colours(page)
    for level, colour in colours.items():
        assert colour[3] == 255, f"level {level!r} cells have no solid background: rgba{colour}"
        assert _distance(colour, page.background) >= DISTINCT, (
            f"level {level!r} is close to the page background"
        )
    for level, other in ((a, b) for a in colours for b in colours if a < b):
        assert _distance(colours[level], colours[other]) >= DISTINCT, (
            f"levels {level!r} rgb{colours[level][:3]} and {other!r} rgb{colours[other][:3]} look alike"
        )
    for cell in page.cells:
        where = f"cell {cell.system}/{cell.signal} at {cell.box}"
        assert cell.shown and _inside(cell.box, page.client), f"{where} is off-screen in {page.client}"
        assert contrast(cell.ink, cell.background) >= READABLE_CONTRAST, (
            f"{where}: text rgb{cell.ink[:3]} on rgb{cell.background[:3]} has contrast "
            f"{contrast(cell.ink, cell.background):.1f}, below {READABLE_CONTRAST}"
        )
        rendered_colour, share = image.dominant_colour(cell.box.inset(2))
        assert _close(rendered_colour, cell.background) and share >= BACKGROUND_SHARE, (
            f"{where} ({cell.level}) renders rgb{rendered_colour} on {share:.0%} of it, "
            f"not its background rgb{cell.background[:3]}"
        )
    return colours


def assert_legend_explains(rendered: Rendered, colours: dict[str, tuple[int, ...]]) -> None:
    """Each level on the map has a visible legend swatch that renders in the level's colour."""
    for level, colour in colours.items():
        swatches = [s for s in rendered.page.swatches if s.level == level and s.shown]
        assert swatches, f"no visible legend entry (.legend [data-level={level}]) with a solid swatch"
        for swatch in swatches:
            assert _inside(swatch.box, rendered.page.client), (
                f"legend swatch {level!r} at {swatch.box} is off-screen"
            )
            assert swatch.background == colour, (
                f"legend {level!r} rgba{swatch.background} != cells' rgba{colour}"
            )
            rendered_colour, share = rendered.image.dominant_colour(swatch.box.inset(1))
            assert _close(rendered_colour, colour) and share >= BACKGROUND_SHARE, (
                f"legend swatch {level!r} renders rgb{rendered_colour} on {share:.0%} of it"
            )


def assert_self_contained(page: Page) -> None:
    assert not page.external, f"the page refers to outside resources: {page.external}"
    assert not page.fetched, f"the page fetched resources: {page.fetched}"


def link_targets(page: Page, original: Path) -> list[str]:
    """Where the page's links lead (files, resolved as the browser resolves them, or URLs); each is
    shown, within the page's scrollable extent, and a file link's file exists."""
    targets = []
    for link in page.links:
        where = f"link {link.href!r} ({link.text!r})"
        assert link.shown and _inside(link.box, Viewport(*page.size)), f"{where} at {link.box} cannot be seen"
        url = urlsplit(link.url)
        if url.scheme != "file":
            targets.append(link.url)
            continue
        path = Path(unquote(url.path))
        if path == original.resolve() and url.fragment:
            assert url.fragment in page.ids, f"{where}: no element #{url.fragment}"
            continue
        assert path.is_file(), f"{where} leads to missing {path}"
        targets.append(path.as_posix())
    return targets


def board_uids(generated: Path) -> set[str]:
    return {
        str(json.loads(board.read_text(encoding="utf-8"))["uid"])
        for board in (generated / "grafana" / "dashboards").rglob("*.json")
    }


def assert_links_reach_boards_and_rules(
    page: Page, original: Path, generated: Path, grafana_url: str
) -> None:
    """Every link opens a file of the generated tree or a generated board in the inventory's
    Grafana, and the page links both boards and rule files."""
    uids = board_uids(generated)
    rules = (generated / "prometheus" / "rules").resolve()
    boards, rule_files = [], []
    for target in link_targets(page, original):
        if "://" in target:
            assert target.startswith(grafana_url.rstrip("/") + "/d/"), (
                f"link to {target}: not a board of {grafana_url}"
            )
            uid = target.removeprefix(grafana_url.rstrip("/") + "/d/").split("/")[0]
            assert uid in uids, f"link to {target}: no generated board has uid {uid!r}"
            boards.append(target)
        else:
            assert Path(target).is_relative_to(generated.resolve()), f"link to {target}: outside {generated}"
            if Path(target).parent == rules:
                rule_files.append(target)
    assert boards and rule_files, f"the page links no board ({boards}) or no rule file ({rule_files})"


# A small PNG writer that applies every filter type and colour type, for the reader's sake.
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _paeth(left: int, up: int, upper_left: int) -> int:
    estimate = left + up - upper_left
    to_left, to_up, to_upper_left = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
    if to_left <= to_up and to_left <= to_upper_left:
        return left
    return up if to_up <= to_upper_left else upper_left


def _predictor(filter_type: int, line: bytes, previous: bytes, bpp: int, i: int) -> int:
    left = line[i - bpp] if i >= bpp else 0
    upper_left = previous[i - bpp] if i >= bpp else 0
    return (0, left, previous[i], (left + previous[i]) // 2, _paeth(left, previous[i], upper_left))[
        filter_type
    ]


def _filtered(filter_type: int, line: bytes, previous: bytes, bpp: int) -> bytes:
    residues = ((line[i] - _predictor(filter_type, line, previous, bpp, i)) & 255 for i in range(len(line)))
    return bytes([filter_type, *residues])


def _png(width: int, colour_type: int, lines: list[bytes], palette: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    bpp = _CHANNELS[colour_type]
    previous = bytes(width * bpp)
    raw = b""
    for y, line in enumerate(lines):
        raw += _filtered(y % 5, line, previous, bpp)
        previous = line
    header = struct.pack(">IIBBBBB", width, len(lines), 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + (chunk(b"PLTE", palette) if palette else b"")
        + chunk(b"IDAT", zlib.compress(raw)[:40])
        + chunk(b"IDAT", zlib.compress(raw)[40:])
        + chunk(b"IEND", b"")
    )


def _pixels(width: int, height: int) -> list[list[RGB]]:
    return [
        [((x * 37 + y * 11) % 256, (x * y * 7 + 200) % 256, (255 - x * 13 - y) % 256) for x in range(width)]
        for y in range(height)
    ]


@pytest.mark.parametrize("colour_type", [0, 2, 3, 4, 6])
def test_png_reader_undoes_every_filter_of_every_colour_type(colour_type: int) -> None:
    width, height = 7, 10
    expected = _pixels(width, height)
    palette = b""
    if colour_type in (0, 4):
        expected = [[(r, r, r) for r, _g, _b in row] for row in expected]
    if colour_type == 3:
        colours = sorted({pixel for row in expected for pixel in row})
        palette = b"".join(bytes(c) for c in colours)
        index = {c: i for i, c in enumerate(colours)}
    lines = []
    for y, row in enumerate(expected):
        if colour_type == 2:
            lines.append(b"".join(bytes(p) for p in row))
        elif colour_type == 6:
            lines.append(b"".join(bytes((*p, (y * 20) % 256)) for p in row))
        elif colour_type == 0:
            lines.append(bytes(p[0] for p in row))
        elif colour_type == 4:
            lines.append(b"".join(bytes((p[0], 128)) for p in row))
        else:
            lines.append(bytes(index[p] for p in row))
    image = decode_png(_png(width, colour_type, lines, palette))
    assert (image.width, image.height) == (width, height)
    assert [[image.pixel(x, y) for x in range(width)] for y in range(height)] == expected


def assert_grid(page: Page) -> None:
    """One cell per system and signal, each system on a row and each signal in a column."""
    pairs = [(cell.system, cell.signal) for cell in page.cells]
    systems, signals = {s for s, _ in pairs}, {g for _, g in pairs}
    assert None not in systems and None not in signals, "a cell lacks data-system or data-signal"
    assert sorted(pairs, key=str) == sorted(((s, g) for s in systems for g in signals), key=str), (
        "the heat map is not one cell per system and signal"
    )
    rows: dict[str | None, set[int]] = {}
    columns: dict[str | None, set[int]] = {}
    for cell in page.cells:
        rows.setdefault(cell.system, set()).add(cell.box.top)
        columns.setdefault(cell.signal, set()).add(cell.box.left)
    assert all(len(tops) == 1 for tops in rows.values()), f"a system's cells are not on one row: {rows}"
    assert all(len(lefts) == 1 for lefts in columns.values()), (
        f"a signal's cells are not in one column: {columns}"
    )


SMALL_GRAFANA = "https://grafana.acme.test"
SMALL_INVENTORY = f"""
settings:
  organization: acme
  environment: test
  region: us-east-1
  account_id: "123456789012"
  grafana:
    url: {SMALL_GRAFANA}
    datasources:
      - name: prometheus
        uid: prom
        type: prometheus
        url: http://prometheus.monitoring.svc:9090
        is_default: true
domains:
  - {{name: shop, team: shop-eng, receiver: shop-eng}}
services:
  - kind: mysql
    name: orders-db
    domain: shop
    endpoint: orders-db.abc123.us-east-1.rds.amazonaws.com:3306
  - kind: mysql
    name: stock-db
    domain: shop
    endpoint: stock-db.abc123.us-east-1.rds.amazonaws.com:3306
    slow_query_log: false
  - kind: redis
    name: sessions
    domain: shop
    endpoint: sessions.abc123.ng.0001.use1.cache.amazonaws.com:6379
log_retention:
  claimed_prefixes: [/aws/rds/instance/]
  default_days: 90
  rules:
    - {{pattern: /aws/rds/instance/*/slowquery, days: 30}}
"""
# What the small inventory's cells must show: both databases scraped; one of the two writes a slow
# log under the managed retention; the cache writes no log group.
KNOWN_LEVELS = {("mysql", "metrics"): "yes", ("mysql", "logs"): "partial", ("redis", "logs"): "no"}


def test_bundled_page_shows_each_level_in_its_colour_with_legend_and_links(
    chromium: Chromium, tmp_path: Path
) -> None:
    page = GENERATED / "COVERAGE.html"
    rendered = render(chromium, page, tmp_path)
    assert_grid(rendered.page)
    colours = assert_cells_show_their_level(rendered)
    assert_legend_explains(rendered, colours)
    assert_self_contained(rendered.page)
    grafana_url = load_inventory(REPO / "inventory").settings.grafana_url
    assert_links_reach_boards_and_rules(rendered.page, page, GENERATED, grafana_url)


@dataclass(frozen=True)
class SmallTree:
    generated: Path
    # The page `mac coverage --html` wrote outside the generated tree.
    report: Path


@pytest.fixture(scope="module")
def small_tree(tmp_path_factory: pytest.TempPathFactory) -> SmallTree:
    """The small inventory generated as `mac generate` writes it, and its page written elsewhere."""
    root = tmp_path_factory.mktemp("small")
    inventory = root / "inventory"
    inventory.mkdir()
    (inventory / "inventory.yaml").write_text(SMALL_INVENTORY, encoding="utf-8")
    generated = root / "generated"
    write_tree([a for family in build_artifacts(inventory).values() for a in family], generated)
    report = root / "reports" / "coverage.html"
    report.parent.mkdir()
    result = run_mac(
        "coverage", "--inventory", str(inventory), "--out", str(generated), "--html", str(report)
    )
    assert result.returncode == 0, result.stderr
    return SmallTree(generated, report)


def test_small_inventory_page_renders_known_levels_in_the_legend_colours(
    chromium: Chromium, small_tree: SmallTree, tmp_path: Path
) -> None:
    page = small_tree.generated / "COVERAGE.html"
    rendered = render(chromium, page, tmp_path)
    assert_grid(rendered.page)
    colours = assert_cells_show_their_level(rendered)
    assert set(colours) == set(LEVELS), f"levels shown: {sorted(colours)}"
    assert_legend_explains(rendered, colours)
    legend = {swatch.level: swatch.background for swatch in rendered.page.swatches}
    cells = {(cell.system, cell.signal): cell for cell in rendered.page.cells}
    for (system, signal), level in KNOWN_LEVELS.items():
        cell = cells[system, signal]
        assert cell.level == level, f"{system}/{signal} is {cell.level}, expected {level}"
        pixels, _share = rendered.image.dominant_colour(cell.box.inset(2))
        assert _close(pixels, legend[level]), (
            f"{system}/{signal} renders rgb{pixels}, the legend's {level} is rgb{legend[level][:3]}"
        )
    assert_self_contained(rendered.page)
    assert_links_reach_boards_and_rules(rendered.page, page, small_tree.generated, SMALL_GRAFANA)


def test_page_written_elsewhere_links_into_the_generated_tree(
    chromium: Chromium, small_tree: SmallTree, tmp_path: Path
) -> None:
    """`mac coverage --html FILE --out DIR`: the links of a page outside DIR still open DIR's files."""
    page = small_tree.report
    laid_out = read_probe(chromium.dump_dom(probed_copy(page, tmp_path), Viewport(WIDTH, FIRST_HEIGHT)))
    assert {(cell.system, cell.signal, cell.level) for cell in laid_out.cells} >= {
        (system, signal, level) for (system, signal), level in KNOWN_LEVELS.items()
    }
    assert_links_reach_boards_and_rules(laid_out, page, small_tree.generated, SMALL_GRAFANA)


def _command_lines() -> list[str]:
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            lines.append(cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
    return lines


def test_a_run_past_its_deadline_fails_and_leaves_no_browser_behind(
    chromium: Chromium, tmp_path: Path
) -> None:
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><title>t</title>", encoding="utf-8")
    with pytest.raises(ChromiumFailed, match=r"did not finish within 0\.01 s") as failure:
        Chromium(chromium.binary, timeout_s=0.01).dump_dom(page, Viewport(WIDTH, FIRST_HEIGHT))
    profile = re.search(r"--user-data-dir=(\S+)", str(failure.value))
    assert profile, str(failure.value)
    assert not Path(profile[1]).exists()
    assert not [line for line in _command_lines() if profile[0] in line]
