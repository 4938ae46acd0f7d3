"""COVERAGE.html: one self-contained page (inline CSS, no script, nothing fetched) with the heat map
of systems x signals, the monitoring-debt table and links to each system's boards and rule files.

Each heat-map cell is `<td class="cell level-<level>" data-system="<kind>" data-signal="<signal>"
data-level="<level>">`, coloured by the custom properties --level-yes/-partial/-no."""

from __future__ import annotations

import posixpath
from html import escape

from monitoring.coverage.debt import shown_range
from monitoring.coverage.model import FORMULA, LEVELS, CoverageModel, Link, SystemRow
from monitoring.coverage.render import LEVEL_MEANING, SIGNAL_MEANING, before_text, debt_notes, fleet_line
from monitoring.inventory.coverage_settings import SIGNALS
from monitoring.naming import GENERATED_HEADER

_LEGEND = {
    "yes": "every service of the system is covered",
    "partial": "some services are covered",
    "no": "no service is covered",
}

_STYLE = """
:root {
  --level-yes: #1b7f3b;
  --level-partial: #e0a100;
  --level-no: #f6c4bd;
  --ink-yes: #ffffff;
  --ink-partial: #1a1a1a;
  --ink-no: #6b1108;
  --rule: #c8c8c8;
}
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; background: #ffffff; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid var(--rule); padding: 0.35rem 0.6rem; text-align: left; vertical-align: top; }
td.num { text-align: right; }
td.cell { text-align: center; vertical-align: middle; font-weight: 600; min-width: 6rem; }
td.cell small { display: block; font-weight: 400; }
td.level-yes, .swatch-yes { background: var(--level-yes); color: var(--ink-yes); }
td.level-partial, .swatch-partial { background: var(--level-partial); color: var(--ink-partial); }
td.level-no, .swatch-no { background: var(--level-no); color: var(--ink-no); }
ul.legend { list-style: none; padding: 0; display: flex; gap: 1.5rem; }
.swatch { display: inline-block; width: 1rem; height: 1rem; margin-right: 0.4rem; vertical-align: middle;
  border: 1px solid var(--rule); }
td.links, td.before { font-size: 0.85rem; max-width: 16rem; overflow-wrap: anywhere; }
p.note { color: #444444; max-width: 60rem; }
""".strip()


def _href(link: Link, prefix: str) -> str:
    if "://" in link.href or not prefix:
        return link.href
    return posixpath.join(prefix, link.href)


def _links(links: tuple[Link, ...], prefix: str) -> str:
    if not links:
        return "-"
    return ", ".join(f'<a href="{escape(_href(link, prefix))}">{escape(link.label)}</a>' for link in links)


def _row(system: SystemRow, prefix: str) -> list[str]:
    kind = escape(system.kind)
    cells = [f'<tr data-system="{kind}">', f'<th scope="row">{escape(system.title)}</th>']
    cells.append(f'<td class="num">{system.services}</td>')
    for cell in system.cells:
        details = "; ".join(f"{name}: {value}" for name, value in cell.details)
        cells.append(
            f'<td class="cell level-{cell.level}" data-system="{kind}" data-signal="{cell.signal}" '
            f'data-level="{cell.level}" title="{escape(details)}">{cell.level}'
            f"<small>{cell.covered}/{cell.services}</small></td>"
        )
    cells.append(f'<td class="overall" data-coverage="{system.coverage}">{system.coverage}</td>')
    cells.append(f'<td class="before">{escape(before_text(system))}</td>')
    cells.append(f'<td class="links boards">{_links(system.boards, prefix)}</td>')
    cells.append(f'<td class="links rule-files">{_links(system.rule_files, prefix)}</td>')
    cells.append("</tr>")
    return ["".join(cells)]


def html(model: CoverageModel, prefix: str = "") -> str:
    """The page; relative links (files of the generated folder) get `prefix` in front."""
    head = ["system", "services", *SIGNALS, "coverage", "before", "boards", "rule files"]
    lines = [
        "<!DOCTYPE html>",
        f"<!-- {GENERATED_HEADER} -->",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>Monitoring coverage</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<h1>Monitoring coverage</h1>",
        f'<p class="fleet-coverage" data-percent="{model.fleet_percent:.1f}">'
        f"<strong>{escape(fleet_line(model))}</strong>. {escape(FORMULA)}.</p>",
        '<ul class="legend">',
        *(
            f'<li data-level="{level}"><span class="swatch swatch-{level}"></span>'
            f"{level}: {_LEGEND[level]}</li>"
            for level in LEVELS
        ),
        "</ul>",
        '<table class="heatmap">',
        "<thead><tr>" + "".join(f'<th scope="col">{escape(h)}</th>' for h in head) + "</tr></thead>",
        "<tbody>",
        *(line for system in model.systems for line in _row(system, prefix)),
        "</tbody>",
        "</table>",
        f'<p class="note">{escape(LEVEL_MEANING)} {escape(SIGNAL_MEANING)}</p>',
        "<h2>Monitoring debt</h2>",
        '<table class="debt">',
        "<thead><tr>"
        + "".join(
            f'<th scope="col">{h}</th>'
            for h in ("dimension", "current (before)", "recommended minimum", "generated", "gap left")
        )
        + "</tr></thead>",
        "<tbody>",
        *(
            f'<tr data-dimension="{row.dimension}"><th scope="row">{escape(row.title)}</th>'
            f'<td class="num">{"-" if row.before is None else row.before}</td>'
            f'<td class="num">{shown_range(row.recommended)}</td>'
            f'<td class="num">{row.generated}</td><td class="num">{row.gap}</td></tr>'
            for row in model.debt
        ),
        "</tbody>",
        "</table>",
        '<ul class="notes">',
        *(f"<li>{escape(note)}</li>" for note in debt_notes(model)),
        "</ul>",
        *_logs(model),
        "</body>",
        "</html>",
    ]
    return "\n".join(lines) + "\n"


def _logs(model: CoverageModel) -> list[str]:
    if model.retention is None:
        return ["<h2>Logs</h2>", "<p>No log retention is managed: the inventory has no log_retention.</p>"]
    rows = [
        f'<tr><td><code>{escape(rule.pattern)}</code></td><td class="num">{rule.days} days</td>'
        f'<td class="num">{"-" if rule.count is None else rule.count}</td></tr>'
        for rule in model.retention
    ]
    rows.append(
        "<tr><td>any other group without a policy</td>"
        f'<td class="num">{model.retention_default_days} days</td>'
        '<td class="num">-</td></tr>'
    )
    return [
        "<h2>Logs (CloudWatch Logs retention)</h2>",
        '<table class="logs">',
        "<thead><tr><th>log groups</th><th>retention</th><th>expected groups</th></tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        f"<p>{model.named_log_groups} log groups are named explicitly (the RDS slow-query and Lambda groups "
        "of the inventory's services).</p>",
    ]
