"""Tokenizer choice, counting formula, the byte bound, and offline behaviour."""

from __future__ import annotations

import json
import os

import pytest
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

from linter.models import BUILTIN_MODELS, base_model_name, resolve_model
from linter.tokens import Tokenizer, upper_bound

from .conftest import GOOD, SHARED_CACHE, cli_json, run_cli


@pytest.mark.parametrize(
    "model, encoding, limit",
    [
        ("gpt-3.5-turbo-0125", "cl100k_base", 16385),
        ("gpt-3.5-turbo-0613", "cl100k_base", 4096),
        ("gpt-35-turbo-0125", "cl100k_base", 16385),
        ("gpt-4o-2024-08-06", "o200k_base", 65536),
        ("gpt-4o-mini-2024-07-18", "o200k_base", 65536),
        ("gpt-4.1-2025-04-14", "o200k_base", 65536),
        ("gpt-4.1-mini", "o200k_base", 65536),
        ("gpt-4.1-nano-2025-04-14", "o200k_base", 32768),
        ("o4-mini-2025-04-16", "o200k_base", 65536),
        ("ft:gpt-4.1-mini-2025-04-14:acme::B1x2y3", "o200k_base", 65536),
        ("ft:gpt-4o-mini-2024-07-18:acme:support:9abc", "o200k_base", 65536),
        ("ft:gpt-3.5-turbo-0125:acme::x", "cl100k_base", 16385),
    ],
)
def test_model_table(model, encoding, limit):
    spec = resolve_model(model, list(BUILTIN_MODELS))
    assert (spec.encoding, spec.token_limit) == (encoding, limit)


def test_ft_names_reduce_to_their_base_and_unknown_models_are_none():
    assert base_model_name("ft:gpt-4.1-2025-04-14:org:suffix:id") == "gpt-4.1-2025-04-14"
    assert resolve_model("llama-3-70b", list(BUILTIN_MODELS)) is None
    assert resolve_model("gpt-4.1x", list(BUILTIN_MODELS)) is None


def test_count_follows_cookbook_formula():
    enc = tiktoken.get_encoding("o200k_base")
    row = {
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Capital of France?", "name": "ann"},
            {"role": "assistant", "content": "Paris.", "weight": 1},
        ]
    }
    expected = 3  # reply priming
    for m in row["messages"]:
        expected += 3
        for key, value in m.items():
            if key == "weight":
                continue
            expected += len(enc.encode(value))
            if key == "name":
                expected += 1
    assert Tokenizer("o200k_base").count_example(row) == expected


def test_tools_and_calls_are_counted():
    """Tool definitions by the cookbook's function-counting constants, calls by their name and arguments;
    the per-definition memo gives the same count again and a different one for other definitions."""
    n = lambda text: len(tiktoken.get_encoding("o200k_base").encode_ordinary(text))  # noqa: E731
    plain = {"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Sunny."}]}
    weather = {"name": "get_weather", "description": "Get weather.", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City", "enum": ["Paris", "Rome"]}}}}
    with_tools = dict(plain, tools=[{"type": "function", "function": weather}])
    call = {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    with_call = dict(with_tools, messages=[*plain["messages"], call])
    # o200k_base: function 7, properties 3, key 3, enum -3, enum item 3, end 12
    definitions = 7 + n("get_weather:Get weather") + 3 + 3 + n("city:string:City") - 3 + (3 + n("Paris")) + (3 + n("Rome")) + 12
    call_tokens = 3 + n("assistant") + n("get_weather") + n('{"city": "Paris"}')
    tok = Tokenizer("o200k_base")
    base = tok.count_example(plain)
    assert tok.count_example(with_tools) == base + definitions
    assert tok.count_example(with_tools) == base + definitions  # from the memo
    assert tok.count_example(with_call) == base + definitions + call_tokens
    other = dict(plain, tools=[{"type": "function", "function": dict(weather, description="Get the weather.")}])
    assert tok.count_example(other) == base + definitions - n("get_weather:Get weather") + n("get_weather:Get the weather")


json_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant"]), "content": st.one_of(json_text, st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": json_text}), max_size=3))},
    optional={"name": st.from_regex(r"[a-z]{1,8}", fullmatch=True)},
)


@settings(max_examples=150, deadline=None)
@given(st.lists(message, min_size=1, max_size=6))
def test_upper_bound_never_below_count(messages):
    import json

    row = {"messages": messages}
    raw = json.dumps(row, ensure_ascii=False).encode()
    for name in ("o200k_base", "cl100k_base"):
        assert Tokenizer(name).count_example(row) <= upper_bound(row, len(raw))


@settings(max_examples=200, deadline=None)
@given(st.lists(message, min_size=0, max_size=6), st.sampled_from(["compact", "spaced", "orjson"]), st.booleans())
def test_the_bound_from_the_raw_line_is_the_bound_from_the_value(messages, writer, tools):
    """FT300's shortcut (one "[" on the line: no content parts to walk) changes no bound."""
    import json

    import orjson

    row = {"messages": messages}
    if tools:
        row["tools"] = [{"type": "function", "function": {"name": "f", "parameters": {"properties": {"a": {"enum": [1, 2]}}}}}]
    raw = {"compact": lambda v: json.dumps(v, separators=(",", ":")).encode(), "spaced": lambda v: json.dumps(v, ensure_ascii=False).encode(),
           "orjson": orjson.dumps}[writer](row)
    assert upper_bound(row, len(raw), raw) == upper_bound(row, len(raw))


def test_offline_without_cache_gives_clear_message(tmp_path, write_jsonl):
    path = write_jsonl([{"messages": [{"role": "user", "content": "word " * 5000}, {"role": "assistant", "content": "ok"}]}])
    env = {
        "TIKTOKEN_CACHE_DIR": str(tmp_path / "empty-cache"),
        # no network: every request goes to a closed local port
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "no_proxy": "",
    }
    proc = run_cli("check", path, env=env)
    assert proc.returncode == 2
    assert "cannot load the o200k_base tokenizer" in proc.stderr and "TIKTOKEN_CACHE_DIR" in proc.stderr
    assert "Traceback" not in proc.stderr
    # with -q nothing shows statistics, so the tokenizer loads only when a row needs it (here, FT300 on
    # rows too long to fit by their bytes): still one clear error, not an internal error on every such row
    many = write_jsonl([{"messages": [{"role": "user", "content": "word " * 5000}, {"role": "assistant", "content": "ok"}]}] * 30, "many.jsonl")
    proc = run_cli("check", "-q", many, env=env)
    assert proc.returncode == 2 and "FT000" not in proc.stdout
    assert [line for line in proc.stderr.splitlines() if line.strip()] == [proc.stderr.strip()]  # one line
    assert "cannot load the o200k_base tokenizer" in proc.stderr
    # without token statistics and with the limit rule off, the lint still runs offline
    proc = run_cli("check", path, "--ignore", "FT300", "--no-token-stats", env=env)
    assert proc.returncode == 0, proc.stderr


# the cache the user points at (conftest falls back to the shared one when none is set)
CACHE = os.environ.get("TIKTOKEN_CACHE_DIR") or str(SHARED_CACHE)


@pytest.mark.skipif(not os.path.isdir(CACHE), reason="needs an offline BPE cache: set TIKTOKEN_CACHE_DIR (docs/offline.md)")
def test_offline_with_cache_dir_counts(write_jsonl):
    path = write_jsonl([GOOD])
    env = {"TIKTOKEN_CACHE_DIR": CACHE, "HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    proc = run_cli("stats", path, "--output-format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    import json

    (stats,) = json.loads(proc.stdout)
    assert stats["tokens"]["exact"] and stats["tokens"]["min"] == Tokenizer("o200k_base").count_example(GOOD)


def test_stats_and_summary_numbers(write_jsonl):
    import json

    rows = [GOOD] * 30
    path = write_jsonl(rows)
    proc = run_cli("stats", path, "--output-format", "json", "--model", "gpt-3.5-turbo")
    (stats,) = json.loads(proc.stdout)
    tokens = stats["tokens"]
    count = Tokenizer("cl100k_base").count_example(GOOD)
    assert tokens["min"] == tokens["max"] == count and tokens["encoding"] == "cl100k_base" and tokens["limit"] == 16385
    assert tokens["estimated_epochs"] == 3  # 30 * 3 = 90 < 100 -> 100 // 30 = 3
    assert tokens["billing_tokens_per_epoch"] == 30 * count
    assert tokens["estimated_billing_tokens"] == 3 * 30 * count
    assert stats["messages_per_example"]["mean"] == 3


def test_epoch_heuristic():
    from linter.stats import estimate_epochs

    assert [estimate_epochs(n) for n in (1, 10, 33, 34, 1000, 8333, 8334, 100000)] == [25, 10, 3, 3, 3, 3, 2, 1]


def test_percentiles_from_histogram_match_sorted_list():
    import random
    from collections import Counter

    from linter.stats import percentile

    rng = random.Random(7)
    values = [rng.randint(1, 50) for _ in range(501)]
    ordered = sorted(values)
    for q in (0.0, 0.1, 0.5, 0.9, 1.0):
        pos = (len(ordered) - 1) * q
        low = int(pos)
        high = min(low + 1, len(ordered) - 1)
        expected = ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
        assert percentile(Counter(values), q) == expected


def test_assistant_and_trained_tokens_honour_weight_and_cost_is_estimated(write_jsonl, tmp_path):
    import json

    row = {"messages": [{"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris", "weight": 0},
                        {"role": "user", "content": "More sarcastic?"}, {"role": "assistant", "content": "Paris, obviously.", "weight": 1}]}
    tok = Tokenizer("o200k_base")
    total, assistant, trained = tok.count_detail(row)
    enc = tiktoken.get_encoding("o200k_base")
    second = 3 + len(enc.encode("assistant")) + len(enc.encode("Paris, obviously."))
    first = 3 + len(enc.encode("assistant")) + len(enc.encode("Paris"))
    assert (assistant, trained) == (first + second, second) and total > assistant
    path = write_jsonl([row] * 4)
    (stats,) = json.loads(run_cli("stats", path, "--output-format", "json", "--model", "gpt-4o-mini").stdout)
    assert stats["trained_tokens"]["total_per_epoch"] == 4 * second
    assert stats["tokens"]["price"]["usd_per_million"] == 3.0
    assert stats["tokens"]["estimated_cost_usd"] == round(stats["tokens"]["estimated_billing_tokens"] * 3.0 / 1e6, 2)
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nprices = {"gpt-4o-mini" = 6.0}\n')
    (stats,) = json.loads(run_cli("stats", path, "--output-format", "json", "--model", "gpt-4o-mini", cwd=tmp_path).stdout)
    assert stats["tokens"]["price"] == {"model": "gpt-4o-mini", "usd_per_million": 6.0, "as_of": "config"}


def test_stats_html_report_is_self_contained_and_escaped(tmp_path):
    import json
    import re

    rows = [GOOD, {"messages": [{"role": "<script>alert(1)</script>", "content": "x " * 300}]}] + [
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a " * (i * 40)}]} for i in range(1, 12)
    ]
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = tmp_path / "report.html"
    proc = run_cli("stats", path, "--html", report, "--max-tokens", "300")
    assert proc.returncode == 0, proc.stderr
    text = report.read_text()
    assert "<svg" in text and "limit 300" in text and "Longest examples" in text
    assert "<script" not in text and "&lt;script&gt;" in text
    assert not re.search(r"""(src|href)=["']?https?:""", text)  # nothing fetched when viewed
    assert "FT106" in text and "FT300" in text


def test_count_text_matches_tiktoken_for_short_long_and_surrogate_texts():
    """The memo for short strings and the direct call into tiktoken's core give tiktoken's own counts."""
    import tiktoken

    from linter.tokens import Tokenizer

    reference = tiktoken.get_encoding("o200k_base").encode_ordinary
    tokenizer = Tokenizer("o200k_base")
    texts = ["assistant", "user", "call_0a1b2c3d", "x" * 33, "请问我的订单什么时候发货 🏕️" * 20, "lone \ud800 surrogate", ""]
    for _ in range(2):  # the second round is answered from the memo
        assert [tokenizer.count_text(t) for t in texts] == [len(reference(t)) for t in texts]


def test_sampled_estimate_counts_the_long_tail_and_stays_close_to_exact(write_jsonl):
    """check samples short rows but counts every long one, so a long tail off the sample cannot vanish."""
    import json
    import random

    from linter.stats import LONG_ROW_BYTES, SAMPLE_HEAD, SAMPLE_STRIDE

    rng = random.Random(3)
    words = "order ship refund tent boots size store help please thanks".split()

    def row(n):
        return {"messages": [{"role": "user", "content": " ".join(rng.choice(words) for _ in range(n))},
                             {"role": "assistant", "content": " ".join(rng.choice(words) for _ in range(n))}]}

    rows = [row(rng.randint(5, 60)) for _ in range(6000)]
    long_lines = [SAMPLE_HEAD + SAMPLE_STRIDE * k + 1 for k in range(1, 31)]  # never sampled
    for line in long_lines:
        rows[line - 1] = row(1500)
    path = write_jsonl(rows)
    assert all(len(json.dumps(rows[line - 1])) >= LONG_ROW_BYTES for line in long_lines)

    def tokens(*extra):
        report = json.loads(run_cli("check", path, "--format", "json", "--jobs", "1", *extra).stdout)
        return report["files"][0]["tokens"], report["files"][0]["trained_tokens"]

    (estimate, trained), (exact, exact_trained) = tokens(), tokens("--exact-stats")
    assert exact["exact"] and not estimate["exact"]
    assert estimate["counted_examples"] < len(rows) / 4
    for key in ("mean", "billing_tokens_per_epoch"):
        assert abs(estimate[key] - exact[key]) / exact[key] < 0.03, (key, estimate[key], exact[key])
    assert abs(trained["total_per_epoch"] - exact_trained["total_per_epoch"]) / exact_trained["total_per_epoch"] < 0.03


def test_ft300_counts_a_call_whose_name_or_arguments_are_not_strings(tmp_path):
    """The view's count reads such a call as str(name) and json.dumps(arguments), both wider than the
    line's compact JSON: the ceiling that lets FT300 skip tokenizing must cover them (review: an
    over-limit ShareGPT row with a 2,000-item list as its call's name got no FT300)."""
    calls = [{"name": [1] * 2000, "arguments": {}}, {"name": "f", "arguments": {str(i): i for i in range(1500)}}]
    rows = [{"conversations": [{"from": "human", "value": "hi"}, {"from": "function_call", "value": json.dumps(call, separators=(",", ":"))},
                               {"from": "observation", "value": "ok"}, {"from": "gpt", "value": "done"}]} for call in calls]
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows))
    report, _ = cli_json(path, "--profile", "llamafactory", "--max-tokens", "5000", "--select", "FT300")
    assert [f["line"] for f in report["findings"] if f["code"] == "FT300"] == [1, 2]


# any JSON a tool definition may hold where the cookbook formula encodes str(value): names, types,
# descriptions and enum items of floats, lists and objects read back longer than their bytes in the line
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | json_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_text, inner, max_size=3), max_leaves=8,
)
tool = st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries(
    {"name": json_value, "parameters": st.fixed_dictionaries({"type": st.just("object"), "properties": st.dictionaries(
        json_text, st.fixed_dictionaries({}, optional={"type": json_value, "description": json_value, "enum": st.one_of(
            st.lists(json_value, max_size=40), st.lists(st.integers(0, 9), min_size=100, max_size=400))}),
        max_size=4)})},
    optional={"description": json_value})})


@settings(max_examples=150, deadline=None)
@given(st.lists(message, min_size=1, max_size=4), st.lists(tool, min_size=1, max_size=3))
def test_upper_bound_never_below_count_with_tools(messages, tools):
    """FT300 never tokenizes a row whose bound is within the limit: with tool definitions too,
    written as compactly as JSON allows (orjson), the tightest line the count must stay under."""
    import orjson

    row = {"messages": messages, "tools": tools}
    raw = orjson.dumps(row)
    for name in ("o200k_base", "cl100k_base"):
        assert Tokenizer(name).count_example(row) <= upper_bound(row, len(raw), raw)


def test_upper_bound_holds_for_floats_written_short():
    """A float enum item written ``1e15`` is counted as Python's ``1000000000000000.0``: 500 of them gave
    a count of 5,540 against a bound of 4,251 before the bound took such values' ``str`` whole."""
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {
        "d": {"type": ["number", "null"], "description": {"unit": "m"}, "enum": [1e15] * 500}}}}}]
    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}], "tools": tools}
    raw = json.dumps(row, separators=(",", ":")).replace("1000000000000000.0", "1e15").encode()
    value = json.loads(raw)
    assert value == row
    assert Tokenizer("o200k_base").count_example(value) <= upper_bound(value, len(raw), raw)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["human", "gpt"]), min_size=1, max_size=4), st.lists(json_text, min_size=4, max_size=4),
       st.lists(tool, min_size=1, max_size=2), st.booleans())
def test_the_view_bound_never_below_the_view_count_with_tools(froms, texts, tools, as_string):
    """The same for rows counted on their conversation view (ShareGPT here): the view counts its tools as
    ``json.dumps`` writes them, spaces and all, which a compact line does not hold."""
    import orjson

    from linter.registry import get_registry
    from linter.rows import Row
    from linter.rules.tokens import view_count, view_upper_bound

    value = {"conversations": [{"from": who, "value": text} for who, text in zip(froms, texts)],
             "tools": orjson.dumps(tools).decode() if as_string else tools}
    line = orjson.dumps(value)
    row = Row(1, 0, line, len(line))
    row.value, row.parsed = orjson.loads(line), True
    row.format, row.kind = get_registry().detector.classify(row.value, "chat", "chat")
    assert row.format.name == "sharegpt"
    if row.view.tools is None:
        return  # the adapter did not read these tools (FT120 says why): nothing of theirs is counted
    for name in ("o200k_base", "cl100k_base"):
        assert view_count(Tokenizer(name), row.view).total <= view_upper_bound(row.view, row.length)


def test_a_compact_tools_block_over_the_limit_is_found_on_sharegpt_rows(tmp_path):
    """End to end: 1,300 single-digit enum items are 3,900 tokens from 2,600 bytes; the row is over the
    limit by its count (4,176) though its line is 3,872 bytes. FT300 was silent before."""
    tools = [{"type": "function", "function": {"name": "pick", "description": "pick a digit", "parameters": {
        "type": "object", "properties": {"d": {"type": "integer", "enum": [0] * 1300}}}}}]
    row = {"conversations": [{"from": "human", "value": "word " * 199 + "word"}, {"from": "gpt", "value": "ok"}],
           "tools": json.dumps(tools, separators=(",", ":"))}
    path = tmp_path / "tools.jsonl"
    path.write_text(json.dumps(row, separators=(",", ":")) + "\n")
    assert path.stat().st_size < 4096
    report, _ = cli_json("--profile", "llamafactory", str(path))
    over = [f for f in report["findings"] if f["code"] == "FT300"]
    assert len(over) == 1 and "4,175 tokens" in over[0]["message"], report


def test_fix_counts_every_token_with_exact_stats(tmp_path):
    """fix's summary samples like check's and said "--exact-stats counts all", an option only check had."""
    import json

    from linter.stats import SAMPLE_HEAD, SAMPLE_STRIDE

    rows = [{"messages": [{"role": "user", "content": f"question {i} " * (1 + i % 7)},
                          {"role": "assistant", "content": f" answer {i}  "}]} for i in range(SAMPLE_HEAD + SAMPLE_STRIDE * 40)]

    def tokens(*extra):
        path = tmp_path / "d.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        proc = run_cli("fix", path, "--format", "json", *extra)
        assert proc.returncode in (0, 1), proc.stderr
        assert "  " not in path.read_text()  # the padding was fixed
        return json.loads(proc.stdout)["files"][0]["tokens"]

    sampled, exact = tokens(), tokens("--exact-stats")
    assert not sampled["exact"] and sampled["counted_examples"] < len(rows)
    assert exact["exact"] and exact["counted_examples"] == len(rows)
    text = run_cli("fix", tmp_path / "d.jsonl").stdout
    assert "--exact-stats counts all" in text


def test_a_sampled_billing_estimate_reads_as_one_approximation(tmp_path):
    """"× ≈ 12,345 tokens = ≈ 37,035 billing tokens" read as an equation that was not one."""
    import json

    from linter.stats import SAMPLE_HEAD, SAMPLE_STRIDE

    path = tmp_path / "d.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"q {i} " * (1 + i % 5)}, {"role": "assistant", "content": f"a {i}"}]}
            for i in range(SAMPLE_HEAD + SAMPLE_STRIDE * 20)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    sampled = run_cli("check", path, "--model", "gpt-4o-mini-2024-07-18").stdout
    (line,) = [line for line in sampled.splitlines() if "billing tokens" in line]
    assert "tokens ≈ " in line and "= ≈" not in line, line
    exact = run_cli("check", path, "--model", "gpt-4o-mini-2024-07-18", "--exact-stats").stdout
    (line,) = [line for line in exact.splitlines() if "billing tokens" in line]
    assert "tokens = " in line and "≈" not in line, line
