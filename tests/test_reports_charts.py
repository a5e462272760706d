"""The dashboards' SVG charts (collab/reports/charts.py): valid SVG, accessible, every label
escaped, sizes proportional to the figures, and an accessible "no data" image."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from collab.reports import charts

NS = {"svg": "http://www.w3.org/2000/svg"}
EVIL = '<script>alert("x")</script> & "quoted" \'single\''


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))


def accessible(root: ET.Element, title: str) -> None:
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    title_el, desc_el = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title_el is not None and title_el.text == title
    assert desc_el is not None and desc_el.text
    assert root.get("aria-labelledby") == f"{title_el.get('id')} {desc_el.get('id')}"
    assert "Noto Sans CJK" in root.get("font-family")
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("width") is None  # scales to its box: no sideways scrolling on phones
    assert "style" not in str(ET.tostring(root))  # the CSP allows no style attribute


def bar(rows, **options):
    return charts.bar_chart(rows, chart_id="c1", title="Bars", desc="Some bars", empty_message="No data", **options)


def widths(root, selector="chart-value"):
    return [float(rect.get("width")) for rect in root.iter("{http://www.w3.org/2000/svg}rect")
            if rect.get("class") == selector]


def test_bar_chart_is_accessible_and_proportional():
    root = parse(bar([{"label": "乌鲁木齐", "value": 10}, {"label": "Kashgar", "value": 5},
                      {"label": "Zero", "value": 0}]))
    accessible(root, "Bars")
    full, half, zero = widths(root)
    assert half == pytest.approx(full / 2, rel=0.01) and zero == 0
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "chart-row"]
    assert [g.get("data-value") for g in groups] == ["10", "5", "0"]
    assert [g.get("data-label") for g in groups] == ["乌鲁木齐", "Kashgar", "Zero"]
    texts = "".join(root.itertext())
    assert "乌鲁木齐" in texts and "10" in texts


def test_bar_chart_against_targets_scales_each_row_and_marks_met():
    root = parse(bar([{"label": "A", "value": 30, "target": 20, "met": True},
                      {"label": "B", "value": 1, "target": 4, "met": False},
                      {"label": "C", "value": None, "target": 8, "met": None}], per_row_scale=True))
    a, b, c = widths(root)
    track = charts.WIDTH - 16
    assert a == pytest.approx(track) and b == pytest.approx(track / 4) and c == 0
    lines = [float(line.get("x1")) for line in root.iter("{http://www.w3.org/2000/svg}line")]
    assert lines[0] == pytest.approx(8 + track * 20 / 30, abs=0.1) and lines[1] == pytest.approx(8 + track, abs=0.1)
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "chart-row"]
    assert [g.get("data-met") for g in groups] == ["true", "false", None]
    figures = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "chart-figure"]
    assert figures[0].startswith("✓ 30 / 20") and figures[1].startswith("✗ 1 / 4") and figures[2].startswith("— / 8")


def test_every_label_is_escaped():
    svgs = [
        bar([{"label": EVIL, "value": 3, "note": EVIL}], unit=EVIL),
        charts.funnel_chart([{"label": EVIL, "value": 4}, {"label": "b", "value": 2, "of_previous": 50.0,
                                                           "of_first": 50.0}],
                            chart_id='x"><script>', title=EVIL, desc=EVIL, empty_message=EVIL,
                            previous_label=EVIL, first_label=EVIL),
        charts.flow_chart([{"source": EVIL, "target": EVIL + "2", "value": 2}], chart_id="f", title=EVIL, desc=EVIL,
                          empty_message=EVIL),
        charts.empty_chart("e", EVIL, EVIL),
    ]
    for svg in svgs:
        assert "<script" not in str(svg)
        root = parse(svg)  # still well-formed XML
        assert EVIL in "".join(root.itertext()) or "…" in "".join(root.itertext())
        assert root.find("svg:title", NS).text in (EVIL, "Bars")


def test_funnel_widths_follow_the_counts_and_show_rates():
    steps = [{"label": "Matches", "value": 200, "of_previous": None, "of_first": None},
             {"label": "Interest", "value": 50, "of_previous": 25.0, "of_first": 25.0},
             {"label": "Signed", "value": 5, "of_previous": 10.0, "of_first": 2.5}]
    root = parse(charts.funnel_chart(steps, chart_id="fun", title="Funnel", desc="Steps", empty_message="None",
                                     previous_label="of previous:", first_label="of matches:"))
    accessible(root, "Funnel")
    first, second, third = widths(root)
    assert second == pytest.approx(first / 4) and third == pytest.approx(first / 40)
    text = " ".join(root.itertext())
    assert "of previous: 10.0%" in text and "of matches: 2.5%" in text and "Matches: 200" in text
    assert [g.get("data-value") for g in root.iter("{http://www.w3.org/2000/svg}g")] == ["200", "50", "5"]


def test_flow_bands_are_proportional_and_nodes_sum_their_links():
    links = [{"source": "大连", "target": "喀什", "value": 3}, {"source": "大连", "target": "乌鲁木齐", "value": 1},
             {"source": "Shanghai", "target": "喀什", "value": 2}]
    root = parse(charts.flow_chart(links, chart_id="flows", title="Flows", desc="Landings", empty_message="None"))
    accessible(root, "Flows")
    paths = [p for p in root.iter("{http://www.w3.org/2000/svg}path") if p.get("class") == "chart-link"]
    assert sorted(int(p.get("data-value")) for p in paths) == [1, 2, 3]

    def thickness(path):  # the band's right end: "L x,y1+t" after "x,y1"
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
        return numbers[9] - numbers[7]

    by_value = {int(p.get("data-value")): thickness(p) for p in paths}
    assert by_value[3] == pytest.approx(3 * by_value[1], rel=0.02)
    assert by_value[2] == pytest.approx(2 * by_value[1], rel=0.02)
    nodes = {g.get("data-label"): (g.get("class"), g.get("data-value")) for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert nodes["大连"] == ("chart-node chart-source", "4")
    assert nodes["喀什"] == ("chart-node chart-target", "5")
    assert nodes["Shanghai"][1] == "2" and nodes["乌鲁木齐"][1] == "1"


@pytest.mark.parametrize("make", [
    lambda: charts.bar_chart([], chart_id="e1", title="Empty", desc="d", empty_message="No data for this range."),
    lambda: charts.funnel_chart([{"label": "a", "value": 0}], chart_id="e2", title="Empty", desc="d",
                                empty_message="No data for this range."),
    lambda: charts.flow_chart([], chart_id="e3", title="Empty", desc="d", empty_message="No data for this range."),
])
def test_no_data_is_an_accessible_message(make):
    root = parse(make())
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text == "Empty"
    assert root.find("svg:desc", NS).text == "No data for this range."
    assert "No data for this range." in "".join(root.itertext())
    assert not list(root.iter("{http://www.w3.org/2000/svg}rect"))


def test_long_labels_are_shortened_in_the_drawing_but_whole_in_its_title():
    name = "International Innovation and Offshore Incubation Centre of a Very Long Name"
    root = parse(charts.flow_chart([{"source": name, "target": "Kashgar", "value": 1}], chart_id="l", title="t",
                                   desc="d", empty_message="n"))
    node = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-label") == name)
    assert node.find("svg:title", NS).text.startswith(name)
    shown = node.find("svg:text", NS).text
    assert "…" in shown and charts.text_width(shown) <= 170
