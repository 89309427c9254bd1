"""`python -m bench.report`: the README's « Results » section, written from bench/results.json and bench/load.json.

Only the text between the two markers is replaced; it is never edited by hand. Every figure in
it comes from the JSON files: a figure the report needs that a file lacks stops it, and before
writing it checks that each number of the text is one of the files' numbers (or that number
rounded), so that it cannot print a figure nobody measured.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- results: written by `python -m bench.report` from bench/*.json; do not edit by hand -->"
END = "<!-- end of results -->"
# A figure: 7, 10,000, 182.5 — not the digits inside a word or a version (p95, x86_64, 3.11.7).
NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\.?\w)")
PAGE_SIZE = "10,000 applications"


class ReportError(Exception):
    pass


def need(row: dict, key: str):
    if key not in row:
        raise ReportError(f"{row.get('name', row)!r} has no {key!r}: measure it before reporting it")
    return row[key]


def number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")


def verdict(row: dict) -> str:
    unmet = [goal["goal"] for goal in row.get("goals", []) if not goal["met"]]
    if unmet:
        return "not met: " + "; ".join(unmet)
    if "goals" in row or "ok" in row:
        return "met" if row.get("ok", True) else f"not met: {row.get('goal', 'goal')}"
    return ""


def machine(facts: dict) -> list[str]:
    line = (
        f"Measured on {need(facts, 'cpus')} cores, Python {need(facts, 'python')}, {need(facts, 'platform')}, "
        f"{need(facts, 'database')}, DEBUG {'on' if need(facts, 'debug') else 'off'}; load average (last minute, "
        f"five, fifteen) {' / '.join(map(number, need(facts, 'load_average_start')))} at the start and "
        f"{' / '.join(map(number, need(facts, 'load_average_end')))} at the end"
    )
    return [line + (": other programs took the cores too." if facts["load_average_start"][0] > facts["cpus"] else ".")]


def pages(rows: list[dict]) -> list[str]:
    by_name = {row["name"]: row for row in rows}
    lines = [
        f"**Pages** at {PAGE_SIZE} (median time; the floor is a bare view running the same querysets and reading "
        "the same cache entries, rendering their rows with a minimal template, in the same process):",
        "",
        "| page | time (ms) | floor (ms) | ratio | queries | queries at 100 applications | goals |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        if "floor" not in row:
            continue
        label = row["name"].removesuffix(f", {PAGE_SIZE}")
        small = by_name.get(f"{label}, 100 applications")
        lines.append(
            f"| {label} | {number(need(row, 'value'))} | {number(need(row, 'floor'))} | "
            f"{number(need(row, 'ratio'))} | {need(row, 'queries')} | "
            f"{need(small, 'queries') if small else '—'} | {verdict(row)} |"
        )
    others = [row for row in rows if "floor" not in row and not row["name"].endswith(", 100 applications")]
    return lines + ["", *figures(others)] if others else lines


def figures(rows: list[dict]) -> list[str]:
    lines = ["| figure | value | floor | ratio | goal |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        floor = f"{number(row['floor'])} {row['unit']}" if "floor" in row else "—"
        ratio = number(row["ratio"]) if "ratio" in row else "—"
        goal = f"{row['goal']}: {'met' if row.get('ok') else 'not met'}" if "goal" in row else verdict(row)
        value = f"{number(need(row, 'value'))} {row.get('unit', '')}"
        lines.append(f"| {row['name']} | {value} | {floor} | {ratio} | {goal} |")
    return lines


def load(figures_: dict) -> list[str]:
    lines = [
        f"**Load** (`make load`): gunicorn with {need(figures_, 'workers')} sync workers on PostgreSQL with the "
        f"national data, wrk on the same {need(figures_, 'cpus')} cores, {need(figures_, 'duration')} at "
        f"{need(figures_, 'connections')} signed-in connections for each run, once with each cache; load average "
        f"{' / '.join(map(number, need(figures_, 'load_average_start')))} before the runs.",
        "",
        "| cache | run | requests | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    runs = need(figures_, "runs")
    for served in runs:
        cache = need(served, "cache")
        for label, run in (
            ("floor: bare signed-in view, minimal template", need(served, "floor")),
            ("mix of pages", need(served, "mix")),
        ):
            errors = sum(value for key, value in run.items() if key.startswith("errors_"))
            lines.append(
                f"| {cache} | {label} | {number(need(run, 'requests'))} | {number(need(run, 'rps'))} "
                f"| {number(need(run, 'p50_ms'))} | {number(need(run, 'p95_ms'))} | {number(need(run, 'p99_ms'))} "
                f"| {errors} |"
            )
    for served in runs:
        lines += [
            "",
            f"With the {served['cache']} cache, the mix serves {number(need(served, 'share_of_floor'))} of the "
            "floor's requests per second.",
        ]
        lines += [f"- {goal['goal']}: {'met' if goal['met'] else 'not met'}" for goal in need(served, "goals")]
    return lines


def section(results: dict, load_figures: dict) -> str:
    machines = results.get("machines", {})
    lines = []
    for key, title in (("bench_pages", None), ("bench_exports", "Imports and exports"), ("bench_letters", "Letters")):
        if key not in results:
            continue
        # A module measured before the machine was recorded with its figures says so.
        facts = machine(machines[key]) if key in machines else ["Measured before the machine was recorded."]
        if title:
            lines += [f"**{title}**:", "", *facts, "", *figures(results[key]), ""]
        else:
            lines += [*pages(results[key]), "", *facts, ""]
    lines += load(load_figures)
    text = "\n".join(lines).strip() + "\n"
    check(text, results, load_figures)
    return text


def numbers_in(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, str):
        return [float(found.replace(",", "")) for found in NUMBER.findall(value)]
    if isinstance(value, dict):
        return [found for item in value.values() for found in numbers_in(item)]
    if isinstance(value, list):
        return [found for item in value for found in numbers_in(item)]
    return []


def check(text: str, *sources) -> None:
    """Refuse a number of the text that is none of the sources' numbers, as measured or rounded."""
    known = numbers_in(list(sources))
    for found in NUMBER.findall(text):
        written = float(found.replace(",", ""))
        decimals = len(found.partition(".")[2])
        if not any(round(value, decimals) == written for value in known):
            raise ReportError(f"{found} is in no measurement (bench/results.json, bench/load.json)")


def write(readme: Path, text: str) -> None:
    content = readme.read_text()
    if content.count(START) != 1 or content.count(END) != 1:
        raise ReportError(f"{readme.name} must hold the results markers once each")
    before, rest = content.split(START)
    _, after = rest.split(END)
    readme.write_text(f"{before}{START}\n{text}{END}{after}")


def main() -> int:
    try:
        results = json.loads((ROOT / "bench" / "results.json").read_text())
        load_figures = json.loads((ROOT / "bench" / "load.json").read_text())
        write(ROOT / "README.md", section(results, load_figures))
    except (OSError, ValueError, ReportError) as error:
        sys.stderr.write(f"bench.report: {error}\n")
        return 1
    print("README.md « Results » written from bench/results.json and bench/load.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
