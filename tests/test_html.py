"""The HTML report (``ftlint stats --html``), opened in a real headless Chromium."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from collections import Counter

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from linter.output.html import BINS, bin_edges, histogram, nice_ticks, trainer_view
from linter.trainer.testing import build_tokenizer_folder

from .conftest import run_cli

INJECTED = "<script>document.body.setAttribute('data-pwned','1')</script>"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    return found


def browse(binary: str, page, profile, *args: str) -> subprocess.CompletedProcess:
    """Open a page in headless Chromium with a fresh profile (safe under xdist) and a logged console."""
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", *args, page.as_uri()],
        capture_output=True, text=True, timeout=180,
    )


def dataset(tmp_path):
    """A long-tailed dataset with an injected script in a role and in content, and a duplicate row."""
    rng = random.Random(7)
    rows = [{"messages": [{"role": INJECTED, "content": INJECTED + " x " * 50}]}]
    for i in range(400):
        words = max(1, int(rng.lognormvariate(2.5, 1.6)))
        rows.append({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"q{i}"},
                                  {"role": "assistant", "content": "word " * words}]})
    rows.append(rows[3])
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("html")
    path = dataset(tmp_path)
    out = tmp_path / "report.html"
    proc = run_cli("stats", path, "--html", out, "--max-tokens", "2000")
    assert proc.returncode == 0, proc.stderr
    return out


def test_report_has_axes_fitted_to_the_data_and_escapes_everything(report):
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text and "&lt;script&gt;" in text
    assert not re.search(r"https?://|(src|href)=|url\(", text)  # self-contained: nothing to fetch
    assert "log scale" in text  # the long tail gets a logarithmic token axis
    assert "limit 2,000" in text
    for section in ("Tokens per example", "Turns per example", "Messages per role", "Trainer's view",
                    "Longest examples", "Findings per rule", "Duplicates"):
        assert section in text, section
    # the rules table shows at most two example lines per rule, with a preview of the row
    rows = re.findall(r"<tr><td>(FT\d+)</td>.*?</tr>", text, flags=re.S)
    assert "FT403" in rows
    ft403 = re.search(r"<tr><td>FT403</td>(.*?)</tr>", text, flags=re.S).group(1)
    assert ft403.count('<pre class="preview">') == 1  # one duplicate: one example line


def test_report_renders_in_chromium_without_running_dataset_text(report, tmp_path):
    Image = pytest.importorskip("PIL.Image")
    binary = chromium()
    dom = browse(binary, report, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<svg" in dom.stdout and "Tokens per example" in dom.stdout  # the page was parsed and laid out
    body = re.search(r"<body[^>]*>", dom.stdout).group(0)
    assert "data-pwned" not in body  # the injected script did not run
    assert not re.search(r"<[a-z][^>]*\sdata-pwned", dom.stdout)  # on no element: it is only escaped text
    assert "<script" not in dom.stdout
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    shot = tmp_path / "shot.png"
    proc = browse(binary, report, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,2000")
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        pixels = image.convert("RGB").resize((320, 500))
        colours = Counter({colour: n for n, colour in pixels.getcolors(320 * 500)})
    white = colours[(255, 255, 255)]
    assert white < 0.97 * 320 * 500  # not blank
    bar_blue = sum(n for (r, g, b), n in colours.items() if b > 140 and r < 110 and 90 < g < 150)
    assert bar_blue > 200  # the histogram bars were drawn


def test_histogram_range_fits_the_data_not_the_limit():
    counts = Counter({100: 5, 120: 9, 150: 3})
    svg = histogram(counts, "Tokens", "tokens", limit=128_000)
    ticks = [int(t.replace(",", "")) for t in re.findall(r'text-anchor="middle">([\d,]+)</text>', svg)]
    assert max(ticks) < 1000  # the data fill the axis; the far limit is a note, not the axis end
    assert "beyond the largest example" in svg
    near = histogram(counts, "Tokens", "tokens", limit=160)
    assert 'class="limit"' in near and "limit 160" in near


def test_ticks_cover_the_data_with_round_steps():
    for low, high in [(0, 108), (20, 622), (0, 1), (3, 3), (1, 99_999)]:
        ticks = nice_ticks(low, high)
        assert ticks[0] <= low and ticks[-1] >= high and len(ticks) >= 2
        steps = {b - a for a, b in zip(ticks, ticks[1:])}
        assert len(steps) == 1 and steps.pop() >= 1


def test_trainer_view_shows_only_what_is_known():
    assert trainer_view() == ""
    shown = trainer_view(trained=Counter({10: 2}), truncated_examples=3, truncated_tokens=1200)
    assert "Trained tokens per example" in shown and "3 example(s) truncated" in shown and "1,200 trained token(s)" in shown
    assert "Untrained" not in shown


def is_round(value):
    """1, 2 or 5 times a power of ten (or 0)."""
    if value == 0:
        return True
    digits = str(int(value)).rstrip("0")
    return digits in ("1", "2", "5")


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.booleans())
def test_bin_edges_are_round_and_cover_the_data(a, b, log):
    low, high = min(a, b), max(a, b)
    if log:
        low = max(low, 1)
        high = max(high, low)
    edges = bin_edges(low, high, log)
    assert edges[0] <= low and edges[-1] > high and edges == sorted(set(edges))
    if log:
        assert all(is_round(e) for e in edges)
    else:
        widths = {y - x for x, y in zip(edges, edges[1:])}
        assert len(widths) == 1 and is_round(widths.pop()) and edges[0] % (edges[1] - edges[0]) == 0
        assert len(edges) - 1 <= BINS


def test_histogram_bars_have_round_ranges_and_count_every_example():
    rng = random.Random(3)
    counts = Counter(rng.randint(59, 739) for _ in range(500))
    svg = histogram(counts, "Tokens", "tokens")
    spans = re.findall(r"<title>([\d,]+)–([\d,]+): ([\d,]+) example", svg)
    assert sum(int(n.replace(",", "")) for _, _, n in spans) == 500
    for first, last, _ in spans:
        first, last = int(first.replace(",", "")), int(last.replace(",", ""))
        assert first % 50 == 0 and last - first + 1 == 50  # [50, 100), [100, 150)...: round edges


@pytest.fixture(scope="module")
def trainer_report(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("html-trainer")
    folder = build_tokenizer_folder(tmp_path / "tok")
    rows = [{"messages": [{"role": "user", "content": "The quick brown fox jumps over the lazy dog. " * (1 + i % 9)},
                          {"role": "assistant", "content": "Paris is the capital of France. " * (1 + i % 4)}]} for i in range(60)]
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    plain, exact = tmp_path / "plain.html", tmp_path / "exact.html"
    assert run_cli("stats", data, "--html", plain).returncode == 0
    proc = run_cli("stats", data, "--html", exact, "--tokenizer", folder, "--max-seq-length", "64")
    assert proc.returncode == 0, proc.stderr
    return plain, exact


def test_trainers_view_in_chromium_with_and_without_a_tokenizer(trainer_report, tmp_path):
    binary = chromium()
    plain, exact = trainer_report
    pages = {}
    for name, page in (("plain", plain), ("exact", exact)):
        dom = browse(binary, page, tmp_path / f"profile-{name}", "--dump-dom")
        assert dom.returncode == 0, dom.stderr[-2000:]
        pages[name] = re.sub(r"<[^>]+>", "", dom.stdout)  # the text a reader sees
    # without a tokenizer: no trainer figures (they would be OpenAI weights, not a trainer's), but what to pass
    assert "Trainer's view" in pages["plain"] and "pass --tokenizer" in pages["plain"]
    assert "Trained tokens per example" not in pages["plain"] and "billing tokens" in pages["plain"]
    # with one: the trained tokens within the length and what truncation cost, and no OpenAI billing
    assert "Trained tokens per example" in pages["exact"] and "pass --tokenizer" not in pages["exact"]
    assert re.search(r"[\d,]+ example\(s\) truncated; [\d,]+ trained token\(s\) lost to truncation", pages["exact"])
    assert "billing tokens" not in pages["exact"] and "--max-seq-length" in pages["exact"]
