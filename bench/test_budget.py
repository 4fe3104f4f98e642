"""The benchmark protocol (bench/budget.py) and make bench's summary (bench/run_all.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from budget import RESULTS_VARIABLE, Result, read_results, report
from run_all import table


def test_a_reported_figure_is_printed_and_appended_as_one_json_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given make bench's results file
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_VARIABLE, str(results))
    monkeypatch.setenv("BENCH_SOURCE", "bench_synth.py")
    # When a benchmark reports a figure over its budget and one within
    assert not report("synth ratio", 1.2, 1.15, "x")
    assert report("dynamodel vs PynamoDB", 9.0, 8.0, "x", better="higher")
    # Then both are printed with their verdicts and recorded in order, with their source
    out = capsys.readouterr().out
    assert "synth ratio: 1.2 x (budget <= 1.15 x) MISSED" in out
    assert "dynamodel vs PynamoDB: 9 x (budget >= 8 x) ok" in out
    recorded = read_results(results)
    assert [r.name for r in recorded] == ["synth ratio", "dynamodel vs PynamoDB"]
    assert [r.met for r in recorded] == [False, True]
    assert {r.source for r in recorded} == {"bench_synth.py"}


def test_without_a_results_file_a_figure_is_only_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no BENCH_RESULTS (a benchmark run on its own)
    monkeypatch.delenv(RESULTS_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    # When it reports, Then nothing is written anywhere
    assert report("cold start", 1.0, 1.3, "x")
    assert list(tmp_path.iterdir()) == []


def test_a_budget_exactly_met_is_ok_and_a_failed_measurement_is_missed() -> None:
    assert Result("a", 1.15, 1.15, "x", "lower").met
    assert Result("b", 8.0, 8.0, "x", "higher").met
    assert not Result("c", math.nan, 1.0, "s", "lower").met
    assert not Result("d", math.nan, 1.0, "s", "higher").met


def test_a_bad_direction_or_line_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="better must be"):
        report("x", 1.0, 1.0, "s", better="faster")  # type: ignore[arg-type]
    broken = tmp_path / "results.jsonl"
    broken.write_text('{"name": "x"}\n')
    with pytest.raises(ValueError, match="not a benchmark result line"):
        read_results(broken)


def test_the_summary_has_one_aligned_row_per_figure() -> None:
    # Given two results from two benchmarks
    results = [
        Result("synth ratio", 1.1, 1.15, "x", "lower", "bench_synth.py"),
        Result("make test, warm, 2 cores", 95.0, 90.0, "s", "lower", "run_all.py"),
    ]
    # When the summary is printed
    lines = table(results).splitlines()
    # Then it has a header, a rule and one row each, with the verdict in the same column
    assert lines[0].split()[:2] == ["budget", "figure"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert "ok" in lines[2]
    assert "MISSED" in lines[3]
    assert lines[2].index("ok") == lines[3].index("MISSED")


def _script(folder: Path, name: str, body: str) -> str:
    bench = Path(__file__).resolve().parent
    (folder / name).write_text(f"import sys\nsys.path.insert(0, {str(bench)!r})\n{body}\n")
    return name


def test_make_bench_flags_a_failed_benchmark_and_one_that_reports_nothing(
    tmp_path: Path,
) -> None:
    # Given three benchmarks: one reporting a met budget, one failing, one reporting nothing
    from run_all import Benchmark, run_benchmark

    results = tmp_path / "results.jsonl"
    good = _script(tmp_path, "good.py", "from budget import report\nreport('x', 1, 2, 's')")
    bad = _script(
        tmp_path, "bad.py", "from budget import report\nreport('y', 3, 2, 's')\nsys.exit(1)"
    )
    silent = _script(tmp_path, "silent.py", "print('figures in prose only')")
    # When make bench runs them
    problems = [
        run_benchmark(Benchmark(name), results, tmp_path / "cdk.out", tmp_path)
        for name in (good, bad, silent)
    ]
    # Then the good one has no problem, and each other one is named with its problem
    assert problems[0] == []
    assert problems[1] == ["bad.py: exited non-zero"]
    assert problems[2] == ["silent.py: reported no figure through bench/budget.py"]
    assert [(r.name, r.met, r.source) for r in read_results(results)] == [
        ("x", True, "good.py"),
        ("y", False, "bad.py"),
    ]
