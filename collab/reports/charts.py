"""Charts drawn by the app itself: small pure functions returning inline SVG as Markup.

No script, no network, no style attribute (the CSP allows none): presentation attributes
only. Every chart is an image to assistive technology (``role="img"``, a ``<title>`` and a
``<desc>`` it is labelled by) and every label passes through ``markupsafe.escape``. The
drawings scale to their container (a ``viewBox``, no fixed width), and the page puts the
same figures in a table beside each chart. Each figure drawn carries its number in a
``data-value`` attribute, so tests compare charts with their tables.

Rows and steps are plain dicts::

    bar_chart([{"label": "2023", "value": 12, "target": 20, "met": False}], ...)
    funnel_chart([{"label": "Matches", "value": 40, "of_previous": None, "of_first": 100.0}], ...)
    flow_chart([{"source": "Dalian incubator", "target": "Kashgar", "value": 3}], ...)
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

WIDTH = 480
FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', system-ui, sans-serif"
FONT_SIZE = 15
SMALL = 13
# Colours with at least 4.5:1 against white (text) and 3:1 (marks), WCAG 2.1.
INK = "#212529"
MUTED = "#495057"
BAR = "#0b5e7e"
TARGET = "#7a3e00"
MET = "#146c43"
MISSED = "#b02a37"
TRACK = "#e9ecef"
FLOW_COLOURS = ("#0b5e7e", "#146c43", "#7a3e00", "#6f42c1", "#b02a37", "#495057", "#0a58ca", "#8c5400")
_ID = re.compile(r"[^A-Za-z0-9_-]")


def _number(value) -> str:
    """A figure as the chart prints it: 1,234 or 12.5 (no locale needed for digits)."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{int(value):,}"


def _raw(value) -> str:
    """The exact figure for ``data-value`` (what the table shows, unformatted)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _safe_id(chart_id: str) -> str:
    return _ID.sub("-", str(chart_id)) or "chart"


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate of a label's width: CJK characters take a full em, others about half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in str(text))


def fit(text, width: float, size: float = FONT_SIZE) -> str:
    """``text`` cut with an ellipsis to fit ``width`` (the full text stays in a <title>)."""
    text = str(text)
    if text_width(text, size) <= width:
        return text
    room, used, out = width - size * 0.56 * 1.8, 0.0, []  # keep room for the ellipsis
    for ch in text:
        used += size if ord(ch) > 0x2E80 else size * 0.56
        if used > room:
            break
        out.append(ch)
    return "".join(out) + "…"


def _open(chart_id: str, height: float, title, desc, css: str) -> Markup:
    ident = _safe_id(chart_id)
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" id="{id}" viewBox="0 0 {w} {h}" '
        'role="img" aria-labelledby="{id}-title {id}-desc" font-family="{font}" font-size="{size}" '
        'preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(css=css, id=ident, w=WIDTH, h=_coord(height), font=FONT, size=FONT_SIZE, title=title, desc=desc)


def _coord(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def empty_chart(chart_id: str, title, message) -> Markup:
    """An accessible "no data" image: the message is its description and its only text."""
    parts = [_open(chart_id, 60, title, message, "chart-empty"),
             Markup('<text x="{x}" y="35" text-anchor="middle" fill="{ink}" class="chart-no-data">{m}</text>')
             .format(x=WIDTH / 2, ink=MUTED, m=message), Markup("</svg>")]
    return Markup("").join(parts)


def bar_chart(rows: Sequence[dict], *, chart_id: str, title, desc, empty_message, per_row_scale: bool = False,
              unit: str = "", met_labels: tuple = ("✓", "✗"), target_label="") -> Markup:
    """Horizontal bars, one per row, each label on its own line above its bar (phone-width
    friendly). A row may carry ``target`` (drawn as a marker line) and ``met`` (True/False/None,
    marked ✓ / ✗ beside the figure, and in colour). ``per_row_scale``: each bar is measured
    against its own row's larger of value and target (indicators in different units);
    otherwise all bars share one scale. A row's ``note`` is printed after the figure."""
    rows = list(rows)
    if not rows:
        return empty_chart(chart_id, title, empty_message)
    left, right = 8, WIDTH - 8
    track = right - left
    line = 52
    height = 12 + line * len(rows)
    shared = max([_magnitude(r.get("value")) for r in rows] + [_magnitude(r.get("target")) for r in rows] + [0])
    parts = [str(_open(chart_id, height, title, desc, "chart-bar"))]
    for index, row in enumerate(rows):
        top = 8 + index * line
        value, target, met = row.get("value"), row.get("target"), row.get("met")
        scale = max(_magnitude(value), _magnitude(target)) if per_row_scale else shared
        length = track * _magnitude(value) / scale if scale else 0
        figure = _number(value) if value is not None else "—"
        if target is not None:
            figure = f"{figure} / {_number(target)}"
        if unit or row.get("unit"):
            figure = f"{figure} {row.get('unit') or unit}"
        if met is True:
            figure = f"{met_labels[0]} {figure}"
        elif met is False:
            figure = f"{met_labels[1]} {figure}"
        if row.get("note"):
            figure = f"{figure} {row['note']}"
        colour = MET if met is True else MISSED if met is False else BAR
        label = str(row.get("label", ""))
        figure_width = text_width(figure, SMALL) + 8
        # Plain string building with escape() on every label: many rows, no str.format cost.
        target_attr = f' data-target="{escape(_raw(target))}"' if target is not None else ""
        met_attr = f' data-met="{"true" if met else "false"}"' if met is not None else ""
        y_text, y_bar = _coord(top + 15), _coord(top + 22)
        parts.append(
            f'<g class="chart-row" data-label="{escape(label)}" data-value="{escape(_raw(value))}"{target_attr}'
            f'{met_attr}><title>{escape(label + ": " + figure)}</title>'
            f'<text x="{left}" y="{y_text}" fill="{INK}">{escape(fit(label, track - figure_width))}</text>'
            f'<text x="{right}" y="{y_text}" fill="{INK}" font-size="{SMALL}" text-anchor="end" '
            f'class="chart-figure">{escape(figure)}</text>'
            f'<rect x="{left}" y="{y_bar}" width="{_coord(track)}" height="18" rx="3" fill="{TRACK}"/>'
            f'<rect class="chart-value" x="{left}" y="{y_bar}" width="{_coord(length)}" height="18" rx="3" '
            f'fill="{colour}"/>')
        if target is not None and scale:
            at = _coord(left + track * _magnitude(target) / scale)
            parts.append(f'<line class="chart-target" x1="{at}" x2="{at}" y1="{_coord(top + 18)}" '
                         f'y2="{_coord(top + 44)}" stroke="{TARGET}" stroke-width="3">'
                         f'<title>{escape((str(target_label) + " " + _number(target)).strip())}</title></line>')
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _magnitude(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def funnel_chart(steps: Sequence[dict], *, chart_id: str, title, desc, empty_message,
                 previous_label="", first_label="") -> Markup:
    """Centred bars narrowing step by step, widths proportional to each step's count
    against the first (or the largest) step, with the count and the conversion rates."""
    steps = list(steps)
    if not steps or not any(_magnitude(s.get("value")) for s in steps):
        return empty_chart(chart_id, title, empty_message)
    widest = max(_magnitude(s.get("value")) for s in steps)
    line = 62
    height = 8 + line * len(steps)
    parts = [_open(chart_id, height, title, desc, "chart-funnel")]
    for index, step in enumerate(steps):
        top = 8 + index * line
        value = step.get("value") or 0
        width = max((WIDTH - 16) * _magnitude(value) / widest, 2 if value else 0)
        x = (WIDTH - width) / 2
        rates = []
        if index and step.get("of_previous") is not None:
            rates.append(f"{previous_label} {_percent(step.get('of_previous'))}".strip())
        if index and step.get("of_first") is not None:
            rates.append(f"{first_label} {_percent(step.get('of_first'))}".strip())
        heading = f"{step.get('label', '')}: {_number(value)}"
        parts.append(Markup('<g class="chart-step" data-label="{label}" data-value="{raw}"><title>{full}</title>')
                     .format(label=step.get("label", ""), raw=_raw(value),
                             full=" · ".join([heading, *rates])))
        parts.append(Markup('<rect class="chart-value" x="{x}" y="{y}" width="{w}" height="22" rx="3" fill="{c}"/>')
                     .format(x=_coord(x), y=_coord(top), w=_coord(width), c=BAR))
        parts.append(Markup('<text x="{x}" y="{y}" fill="{ink}" text-anchor="middle">{t}</text>').format(
            x=WIDTH / 2, y=_coord(top + 40), ink=INK, t=fit(heading, WIDTH - 16)))
        if rates:
            parts.append(Markup('<text x="{x}" y="{y}" fill="{ink}" font-size="{s}" text-anchor="middle">{t}</text>')
                         .format(x=WIDTH / 2, y=_coord(top + 56), ink=MUTED, s=SMALL,
                                 t=fit(" · ".join(rates), WIDTH - 16, SMALL)))
        parts.append(Markup("</g>"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _order(names: Iterable[str], totals: dict) -> list[str]:
    return sorted(dict.fromkeys(names), key=lambda name: (-totals[name], name))


def flow_chart(links: Sequence[dict], *, chart_id: str, title, desc, empty_message) -> Markup:
    """A flow diagram: sources on the left, targets on the right, each link a band whose
    thickness is proportional to its value, nodes as tall as their totals."""
    links = [link for link in links if _magnitude(link.get("value"))]
    if not links:
        return empty_chart(chart_id, title, empty_message)
    out_totals: dict[str, float] = {}
    in_totals: dict[str, float] = {}
    for link in links:
        out_totals[link["source"]] = out_totals.get(link["source"], 0) + _magnitude(link["value"])
        in_totals[link["target"]] = in_totals.get(link["target"], 0) + _magnitude(link["value"])
    sources, targets = _order(out_totals, out_totals), _order(in_totals, in_totals)
    total = sum(out_totals.values())
    gap = 14
    plot = max(40 * max(len(sources), len(targets)), 120)
    unit = plot / total  # px per landing, the same on both sides
    height = 16 + plot + gap * (max(len(sources), len(targets)) - 1) + 16
    node_w = 10
    left_x, right_x = 170, WIDTH - 170 - node_w
    label_width = 160

    def place(names, totals):
        span = sum(totals[n] for n in names) * unit + gap * (len(names) - 1)
        y = (height - span) / 2
        spots = {}
        for name in names:
            spots[name] = [y, y]  # top, next free band position
            y += totals[name] * unit + gap
        return spots

    left, right = place(sources, out_totals), place(targets, in_totals)
    source_rank = {name: index for index, name in enumerate(sources)}
    target_rank = {name: index for index, name in enumerate(targets)}
    parts = [str(_open(chart_id, height, title, desc, "chart-flow"))]
    ordered = sorted(links, key=lambda l: (source_rank[l["source"]], target_rank[l["target"]]))
    x0, x1 = left_x + node_w, right_x
    mid = _coord((x0 + x1) / 2)
    for link in ordered:
        thickness = _magnitude(link["value"]) * unit
        y0 = left[link["source"]][1]
        y1 = right[link["target"]][1]
        left[link["source"]][1] += thickness
        right[link["target"]][1] += thickness
        colour = FLOW_COLOURS[source_rank[link["source"]] % len(FLOW_COLOURS)]
        top0, top1, end0, end1 = _coord(y0), _coord(y1), _coord(y0 + thickness), _coord(y1 + thickness)
        path = (f"M{x0},{top0} C{mid},{top0} {mid},{top1} {x1},{top1} L{x1},{end1} "
                f"C{mid},{end1} {mid},{end0} {x0},{end0} Z")
        source, target = str(link["source"]), str(link["target"])
        full = f"{source} → {target}: {_number(link['value'])}"
        parts.append(f'<path class="chart-link" d="{path}" fill="{colour}" fill-opacity="0.45" '
                     f'data-source="{escape(source)}" data-target="{escape(target)}" '
                     f'data-value="{escape(_raw(link["value"]))}">'
                     f'<title>{escape(full)}</title></path>')
    for names, spots, totals, x, side in ((sources, left, out_totals, left_x, "source"),
                                          (targets, right, in_totals, right_x, "target")):
        anchor, tx = ("end", x - 6) if side == "source" else ("start", x + node_w + 6)
        for index, name in enumerate(names):
            top = spots[name][0]
            tall = totals[name] * unit
            colour = FLOW_COLOURS[index % len(FLOW_COLOURS)] if side == "source" else MUTED
            count = _number(totals[name])
            label = f"{fit(name, label_width - text_width(' ' + count) - 6)} {count}"
            parts.append(f'<g class="chart-node chart-{side}" data-label="{escape(name)}" '
                         f'data-value="{escape(_raw(totals[name]))}"><title>{escape(f"{name}: {count}")}</title>'
                         f'<rect x="{x}" y="{_coord(top)}" width="{node_w}" height="{_coord(max(tall, 1))}" '
                         f'fill="{colour}"/><text x="{tx}" y="{_coord(top + tall / 2)}" fill="{INK}" '
                         f'text-anchor="{anchor}" dominant-baseline="middle">{escape(label)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
