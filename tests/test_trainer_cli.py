"""The trainer's view through the real CLI: findings at the right lines, exact statistics, clean errors."""

from __future__ import annotations

import json

import pytest

from linter.trainer.testing import build_tokenizer_folder

from .conftest import cli_json, dump, run_cli
from .test_trainer import ROWS, expected

transformers = pytest.importorskip("transformers")

LIMIT = 40


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return build_tokenizer_folder(tmp_path_factory.mktemp("tok") / "model")


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text(dump(ROWS), encoding="utf-8")
    return path


def by_code(report):
    found = {}
    for f in report["findings"]:
        found.setdefault(f["code"], []).append(f["line"])
    return found


def test_check_reports_template_errors_and_truncation_at_their_lines(folder, data):
    reference = transformers.AutoTokenizer.from_pretrained(str(folder))
    report, proc = cli_json("--tokenizer", folder, "--max-seq-length", LIMIT, data)
    found = by_code(report)
    want = [expected(reference, row, LIMIT) for row in ROWS]
    errors = [i + 1 for i, w in enumerate(want) if isinstance(w, str)]
    over = [i + 1 for i, w in enumerate(want) if not isinstance(w, str) and w[0] > LIMIT]
    emptied = [i + 1 for i, w in enumerate(want) if not isinstance(w, str) and w[0] > LIMIT and w[1] and not w[2]]
    assert found["FT310"] == errors == [3, 4]
    assert sorted(found.get("FT311", []) + found.get("FT312", [])) == over
    assert found.get("FT312", []) == emptied
    assert "FT300" not in found  # the exact length rules take over
    message = next(f["message"] for f in report["findings"] if f["code"] == "FT310")
    assert "Conversation roles must alternate" in message
    assert proc.returncode == 1


def test_fix_drops_the_examples_the_trainers_exact_length_finds_too_long(folder, data, tmp_path):
    """fix takes --tokenizer and --max-seq-length, and --unsafe-fixes moves every example FT311/FT312
    report (transformers' own count) to the rejects file: nothing lost, the rest byte for byte (newcomer
    trial: 'drop over-long examples' worked only with the tiktoken estimate)."""
    reference = transformers.AutoTokenizer.from_pretrained(str(folder))
    want = [expected(reference, row, LIMIT) for row in ROWS]
    over = [i + 1 for i, w in enumerate(want) if not isinstance(w, str) and w[0] > LIMIT]
    assert over  # the fixture holds over-long examples
    out, rejects = tmp_path / "fixed.jsonl", tmp_path / "rejects.jsonl"
    proc = run_cli("fix", "--unsafe-fixes", "--select", "FT311,FT312", "--tokenizer", folder, "--max-seq-length", LIMIT,
                   "-o", out, "--rejects", rejects, data)
    assert proc.returncode in (0, 1), proc.stderr
    source = data.read_text(encoding="utf-8").splitlines()
    kept = out.read_text(encoding="utf-8").splitlines()
    moved = rejects.read_text(encoding="utf-8").splitlines()
    reasons = [json.loads(line) for line in (tmp_path / "rejects.jsonl.reasons").read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in reasons] == over and {r["code"] for r in reasons} <= {"FT311", "FT312"}
    assert moved == [source[number - 1] for number in over]
    assert kept == [line for number, line in enumerate(source, 1) if number not in over]
    again = run_cli("check", "--select", "FT311,FT312", "--tokenizer", folder, "--max-seq-length", LIMIT, out)
    assert again.returncode == 0, again.stdout


def test_json_statistics_hold_the_exact_figures(folder, data):
    reference = transformers.AutoTokenizer.from_pretrained(str(folder))
    proc = run_cli("stats", "--output-format", "json", "--tokenizer", folder, "--max-seq-length", LIMIT, data)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)[0]
    counted = [w for w in (expected(reference, row, LIMIT) for row in ROWS) if not isinstance(w, str)]
    tokens = summary["tokens"]
    assert tokens["encoding"] == str(folder) and tokens["exact"]
    assert (tokens["min"], tokens["max"]) == (min(w[0] for w in counted), max(w[0] for w in counted))
    assert tokens["countable_examples"] == len(counted)
    assert summary["trained_tokens"]["total_per_epoch"] == sum(w[2] for w in counted)
    trainer = summary["trainer"]
    assert trainer["trained_tokens_lost"] == sum(w[1] - w[2] for w in counted)
    assert trainer["truncated_examples"] == sum(w[0] > LIMIT for w in counted)
    assert trainer["template_errors"] == 2 and trainer["trained_tokens_from"] == "generation blocks"


def test_text_and_html_reports_name_the_tokenizer(folder, data, tmp_path):
    proc = run_cli("stats", "--tokenizer", folder, "--max-seq-length", LIMIT, "--html", tmp_path / "r.html", data)
    assert proc.returncode == 0, proc.stderr
    assert f"trainer: {folder}, max-seq-length {LIMIT}" in proc.stdout
    assert "trained tokens lost" in proc.stdout
    html = (tmp_path / "r.html").read_text()
    assert "<h3>Trainer</h3>" in html and "trained tokens lost to truncation" in html


def test_settings_from_pyproject(folder, data, tmp_path):
    (tmp_path / "pyproject.toml").write_text(f'[tool.ftlint]\ntokenizer = "{folder}"\nmax-seq-length = {LIMIT}\n')
    proc = run_cli("check", "--format", "json", data.name, cwd=tmp_path)
    assert "FT310" in by_code(json.loads(proc.stdout))


def test_parallel_run_gives_the_same_output(folder, tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text(dump(ROWS * 60), encoding="utf-8")
    args = ["check", "--format", "json", "--tokenizer", folder, "--max-seq-length", LIMIT, path]
    env = {"FTLINT_PARALLEL_MIN_BYTES": "1"}
    one = run_cli(*args, "--jobs", "1", env=env)
    two = run_cli(*args, "--jobs", "2", env=env)
    assert one.stdout == two.stdout and json.loads(one.stdout)["findings"]


@pytest.mark.parametrize("setup, message", [
    (lambda tmp, folder: tmp, "has no tokenizer.json"),
    (lambda tmp, folder: "nobody/absent-model", "not in the local Hugging Face cache"),
    (lambda tmp, folder: build_tokenizer_folder(tmp / "bad", chat_template="{% for m in messages %}{{ m.content }"), "not valid Jinja"),
    (lambda tmp, folder: build_tokenizer_folder(tmp / "none", chat_template=None), "no chat template"),
])
def test_bad_tokenizers_are_one_line_errors(folder, data, tmp_path, setup, message):
    proc = run_cli("check", "--tokenizer", setup(tmp_path, folder), data, env={"HF_HUB_CACHE": str(tmp_path / "hub")})
    assert proc.returncode == 2
    assert message in proc.stderr and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_max_seq_length_alone_asks_for_a_tokenizer(data):
    proc = run_cli("check", "--max-seq-length", "10", data)
    assert proc.returncode == 2 and "needs a tokenizer" in proc.stderr


def test_a_looping_template_is_a_finding_not_a_hang(tmp_path, data):
    looping = build_tokenizer_folder(tmp_path / "loop", chat_template=(
        "{% for m in messages %}{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{% endfor %}"))
    report, proc = cli_json("--tokenizer", looping, "--select", "FT310", data)
    assert by_code(report)["FT310"] == list(range(1, len(ROWS) + 1))
    assert "sandbox limit" in report["findings"][0]["message"]


def test_template_messages_are_escaped(tmp_path, data):
    hostile = build_tokenizer_folder(tmp_path / "esc", chat_template="{{ raise_exception('bad\\x1b[2J\\nline') }}")
    report, proc = cli_json("--tokenizer", hostile, "--select", "FT310", data)
    proc = run_cli("check", "--tokenizer", hostile, "--select", "FT310", data)
    assert "\x1b" not in proc.stdout and "bad\\x1b[2J\\nline" in proc.stdout
    assert "\x1b" not in report["findings"][0]["message"]


def test_a_hosted_mistral_model_counts_exactly_with_the_shipped_tokenizer(tmp_path):
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    rows = [ROWS[0], ROWS[1]]
    path = tmp_path / "m.jsonl"
    path.write_text(dump(rows), encoding="utf-8")
    proc = run_cli("stats", "--output-format", "json", "--model", "open-mistral-nemo-2407", path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)[0]
    from mistral_common.protocol.instruct.validator import ValidationMode

    test_mode = MistralTokenizer.v3(is_tekken=True)
    reference = MistralTokenizer.from_file(test_mode.instruct_tokenizer.tokenizer.file_path, mode=ValidationMode.finetuning)
    counts = [len(reference.encode_chat_completion(ChatCompletionRequest(messages=r["messages"])).tokens) for r in rows]
    assert summary["tokens"]["encoding"] == "tekken_240718.json (mistral-common)"
    assert (summary["tokens"]["min"], summary["tokens"]["max"]) == (min(counts), max(counts))
    assert summary["tokens"]["limit"] == 16384 and summary["trainer"]["max_seq_length"] == 16384


def test_a_hosted_model_without_a_local_tokenizer_keeps_the_approximation(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(dump([ROWS[0]]), encoding="utf-8")
    proc = run_cli("stats", "--output-format", "json", "--model", "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", path,
                   env={"HF_HUB_CACHE": str(tmp_path / "empty")})
    summary = json.loads(proc.stdout)[0]
    assert summary["tokens"]["encoding"] == "o200k_base" and summary["tokens"]["limit"] == 131072
    assert "trainer" not in summary


def test_a_template_message_quoting_the_row_is_cut_short(tmp_path):
    echoing = build_tokenizer_folder(tmp_path / "echo", chat_template="{{ raise_exception('bad row: ' + messages[0]['content']) }}")
    path = tmp_path / "long.jsonl"
    path.write_text(dump([{"messages": [{"role": "user", "content": "x" * 5000}, {"role": "assistant", "content": "ok"}]}]), encoding="utf-8")
    report, _ = cli_json("--tokenizer", echoing, "--select", "FT310", path)
    message = report["findings"][0]["message"]
    assert "bad row: xxx" in message and len(message) < 500 and message.endswith("…")  # cut by the one quoting helper (linter.text.show), which also redacts


def test_a_template_message_quoting_a_secret_is_redacted(tmp_path):
    echoing = build_tokenizer_folder(tmp_path / "echo", chat_template="{{ raise_exception('bad turn: ' + messages[0]['content']) }}")
    key = "sk-proj-" + "Ab3" * 10
    path = tmp_path / "key.jsonl"
    path.write_text(dump([{"messages": [{"role": "user", "content": f"my key {key}"}, {"role": "assistant", "content": "ok"}]}]), encoding="utf-8")
    report, proc = cli_json("--tokenizer", echoing, "--select", "FT310", path)
    (finding,) = report["findings"]
    assert "bad turn: my key [redacted secret]" in finding["message"] and key not in proc.stdout + proc.stderr
