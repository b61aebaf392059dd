"""The trainer's view, side by side: transformers' apply_chat_template row by row vs ftlint.

Both sides load the same Hugging Face folder: a real 100k-vocabulary BPE
(cl100k_base from the offline tiktoken cache, converted by transformers'
TikTokenConverter) with a Llama-3-style chat template that marks the
assistant's turns with generation blocks. transformers tokenizes every row
with ``apply_chat_template(tokenize=True, return_dict=True,
return_assistant_tokens_mask=True)``; ftlint runs ``ftlint stats --output-format json
--tokenizer FOLDER`` in a fresh process on every core. The totals (tokens,
trained tokens, template errors, min and max) must be identical; the ratio
of wall times is printed.

    python bench/trainer.py 100000
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CACHE = os.environ.get("TIKTOKEN_CACHE_DIR", str(HERE.parent.parent / "shared" / "tiktoken-cache"))

SPECIAL = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
TEMPLATE = (
    "{{- bos_token }}"
    "{%- if tools %}<|start_header_id|>system<|end_header_id|>\n\nTools: {{ tools | tojson }}<|eot_id|>{% endif %}"
    "{%- for message in messages %}"
    "<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n"
    "{%- if message['role'] == 'assistant' %}{% generation %}"
    "{%- if message.tool_calls %}{% for call in message.tool_calls %}{{ call.function | tojson }}{% endfor %}"
    "{%- else %}{{ message['content'] | trim }}{% endif %}<|eot_id|>{% endgeneration %}"
    "{%- else %}{{ message['content'] | trim }}<|eot_id|>{% endif %}"
    "{%- endfor %}"
)


def build_folder(folder: Path) -> Path:
    if (folder / "tokenizer.json").is_file():
        return folder
    import tiktoken
    from transformers.convert_slow_tokenizer import TikTokenConverter

    os.environ["TIKTOKEN_CACHE_DIR"] = CACHE
    encoding = tiktoken.get_encoding("cl100k_base")
    blob = next(p for p in Path(CACHE).iterdir() if p.stat().st_size > 1_500_000 and p.stat().st_size < 2_000_000)  # cl100k_base.tiktoken
    converted = TikTokenConverter(vocab_file=str(blob), pattern=encoding._pat_str, extra_special_tokens=SPECIAL).converted()
    folder.mkdir(parents=True, exist_ok=True)
    converted.save(str(folder / "tokenizer.json"))
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
              "chat_template": TEMPLATE, "model_max_length": 131072}
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def transformers_side(folder: Path, data: Path) -> tuple[float, float, dict]:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    tokens, trained, errors = [], 0, 0
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
    for row in rows:
        try:
            out = tokenizer.apply_chat_template(row["messages"], tools=row.get("tools"), tokenize=True, return_dict=True,
                                                return_assistant_tokens_mask=True)
        except Exception:  # the template's errors
            errors += 1
            continue
        tokens.append(len(out["input_ids"]))
        trained += sum(out["assistant_masks"])
    wall, cpu = time.perf_counter() - start, _cpu(resource.RUSAGE_SELF) - cpu
    return wall, cpu, {"tokens": sum(tokens), "trained": trained, "errors": errors, "min": min(tokens), "max": max(tokens)}


def _cpu(who: int) -> float:
    """CPU seconds (user + system) of this process or of its finished children: on a shared
    machine, wall time says how busy the other users were; CPU time says what the work cost."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def ftlint_side(folder: Path, data: Path) -> tuple[float, float, dict]:
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "linter", "stats", "--output-format", "json", "--tokenizer", str(folder),
                           "--max-seq-length", "100000000", str(data)], capture_output=True, text=True,
                          env={**os.environ, "TIKTOKEN_CACHE_DIR": CACHE})
    wall, cpu = time.perf_counter() - start, _cpu(resource.RUSAGE_CHILDREN) - cpu
    if proc.returncode:
        sys.exit(proc.stderr)
    summary = json.loads(proc.stdout)[0]
    trainer = summary["trainer"]
    return wall, cpu, {"tokens": trainer["tokens_per_epoch"], "trained": trainer["trained_tokens_per_epoch"],
                  "errors": trainer["template_errors"], "min": summary["tokens"]["min"], "max": summary["tokens"]["max"]}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    data = DATA / f"{count // 1000}k.jsonl"
    if not data.is_file():
        DATA.mkdir(exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(count), str(data)], check=True)
    folder = build_folder(DATA / "cl100k-chat")
    ours, our_cpu, our_counts = ftlint_side(folder, data)
    theirs, their_cpu, their_counts = transformers_side(folder, data)
    load = os.getloadavg()[0]
    print(f"rows: {count:,} ({data.name}), cores: {os.cpu_count()}, load average after the run: {load:.1f}")
    print(f"transformers apply_chat_template, row by row: wall {theirs:7.1f} s  cpu {their_cpu:7.1f} s  {their_counts}")
    print(f"ftlint stats --tokenizer (fresh process):      wall {ours:7.1f} s  cpu {our_cpu:7.1f} s  {our_counts}")
    print(f"identical counts: {our_counts == their_counts}; ftlint is {theirs / ours:.1f}x faster by wall time, "
          f"{their_cpu / our_cpu:.1f}x by CPU time (transformers' figure excludes its import and tokenizer load; ftlint's includes them)")
    if our_counts != their_counts:
        sys.exit(1)


if __name__ == "__main__":
    main()
