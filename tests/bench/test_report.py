"""The README's results come from the benchmarks' JSON files, and from nothing else."""

import copy

import pytest

from bench.report import END, START, ReportError, check, section, write

RESULTS = {
    "machines": {
        "bench_pages": {
            "cpus": 2,
            "python": "3.11.7",
            "platform": "Linux-6.1-x86_64",
            "database": "postgresql",
            "debug": False,
            "load_average_start": [7.86, 7.83, 5.26],
            "load_average_end": [7.14, 7.32, 5.37],
        }
    },
    "bench_pages": [
        {"name": "national call: applications", "value": 10000, "unit": "rows"},
        {
            "name": "approver: application list, first page, 10,000 applications",
            "value": 41.3,
            "unit": "ms",
            "floor": 19.6,
            "ratio": 2.107,
            "queries": 9,
            "floor_queries": 9,
            "goals": [{"goal": "ratio ≤ 2.5", "met": True}, {"goal": "≤ 35 ms", "met": False}],
            "ok": False,
        },
        {"name": "approver: application list, first page, 100 applications", "value": 30.2, "unit": "ms", "queries": 9},
    ],
}
RUN = {"requests": 9000, "rps": 150.2, "p50_ms": 120.4, "p95_ms": 180.9, "p99_ms": 240.1, "errors_status": 0}
LOAD = {
    "runs": [
        {
            "cache": "files",
            "floor": RUN,
            "mix": {**RUN, "rps": 75.1},
            "share_of_floor": 0.5,
            "goals": [{"goal": "mix ≥ 200 requests/s", "met": False}],
        }
    ],
    "workers": 2,
    "connections": 20,
    "duration": "60s",
    "cpus": 2,
    "load_average_start": [6.5, 6.1, 5.9],
}


def test_the_section_shows_each_page_against_its_floor_and_the_goals_not_met():
    text = section(RESULTS, LOAD)
    assert "| approver: application list, first page | 41.3 | 19.6 | 2.11 | 9 | 9 | not met: ≤ 35 ms |" in text
    assert "| files | mix of pages | 9,000 | 75.1 | 120.4 | 180.9 | 240.1 | 0 |" in text
    assert "- mix ≥ 200 requests/s: not met" in text
    assert "postgresql, DEBUG off; load average (last minute, five, fifteen) 7.86 / 7.83 / 5.26 at the start" in text


def test_a_page_without_its_floor_is_not_reported():
    results = copy.deepcopy(RESULTS)
    del results["bench_pages"][1]["ratio"]
    with pytest.raises(ReportError, match="has no 'ratio'"):
        section(results, LOAD)


def test_a_figure_that_no_file_holds_is_refused():
    check("41.3 ms, ratio 2.11, 10,000 applications", RESULTS)
    with pytest.raises(ReportError, match="41.4 is in no measurement"):
        check("41.4 ms", RESULTS)


def test_only_the_text_between_the_markers_is_replaced(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# FIPE\n{START}\nold figures\n{END}\n## Configuration\n")
    write(readme, "new figures\n")
    assert readme.read_text() == f"# FIPE\n{START}\nnew figures\n{END}\n## Configuration\n"
    readme.write_text("# FIPE\n")
    with pytest.raises(ReportError, match="markers"):
        write(readme, "new figures\n")


def test_the_api_list_is_reported_against_the_html_list_page():
    from bench.bench_pages import against_html_list

    pages = copy.deepcopy(RESULTS)
    html = pages["bench_pages"][1]
    pages["bench_pages"].append(
        {**html, "name": "approver: application list, first page, computed after a change, 10,000 applications"}
    )
    for which, value in (("first page", 20.65), ("cursor page", 45.0)):
        name = f"approver: API application list, {which}, computed after a change, 10,000 applications"
        pages["bench_pages"].append({**html, "name": name, "value": value})
    pages["bench_pages"] += against_html_list(pages["bench_pages"], "approver")
    text = section(pages, LOAD)
    assert "| approver: API application list, first page, against the HTML list page | 0.5 × the HTML" in text
    assert "cursor page, against the HTML list page | 1.09 × the HTML page's time | — | — | not met: faster" in text
