"""--trainer-config: an axolotl and a LLaMA-Factory run, linted as they will read their files."""

from __future__ import annotations

import json

import pytest

from linter.trainer.testing import build_tokenizer_folder

from .conftest import run_cli
from .test_trainer_truncation import pairs_from_mask, simulate

transformers = pytest.importorskip("transformers")

SHAREGPT = [
    {"conversations": [{"from": "human", "value": "What is the capital of France?"}, {"from": "gpt", "value": "Paris is the capital of France."}]},
    {"conversations": [{"from": "human", "value": "hi"}, {"from": "human", "value": "again"}, {"from": "gpt", "value": "ok"}]},
    {"conversations": [{"from": "human", "value": "The quick brown fox " * 30}, {"from": "gpt", "value": "Paris."}]},
]
ALPACA = [
    {"instruction": "Name the capital of France.", "input": "", "output": "Paris is the capital of France."},
    {"instruction": "Translate", "input": "Hello! How can I help you today?", "output": "Bonjour ! " * 40},
]


def as_openai(rows, key, role_key, content_key, roles):
    return [[{"role": roles[t[role_key]], "content": t[content_key]} for t in row[key]] for row in rows]


def reference_counts(folder, conversations, limit):
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
    out = []
    for messages in conversations:
        try:
            result = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
        except Exception:
            out.append(None)
            continue
        mask = result["assistant_masks"]
        out.append((len(mask), sum(mask), sum(mask[:limit])))
    return out


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def findings(proc):
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    return report, sorted((f["path"].rsplit("/", 1)[-1], f["line"], f["code"]) for f in report["findings"] if f["code"].startswith("FT31"))


@pytest.fixture
def project(tmp_path):
    folder = build_tokenizer_folder(tmp_path / "models" / "tiny")
    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "chat.jsonl", SHAREGPT)
    write_jsonl(tmp_path / "data" / "alpaca.jsonl", ALPACA)
    return tmp_path, folder


def test_axolotl_config_lints_its_datasets_with_its_mapping_and_length(project):
    root, folder = project
    (root / "axolotl.yml").write_text(
        "base_model: ./models/tiny\nsequence_len: 40\nexcess_length_strategy: truncate\nchat_template: tokenizer_default\n"
        "train_on_inputs: false\nlearning_rate: 0.0002\n"
        "datasets:\n"
        "  - path: data/chat.jsonl\n    type: chat_template\n    field_messages: conversations\n"
        "    message_property_mappings:\n      role: from\n      content: value\n    roles_to_train: [assistant]\n"
    )
    proc = run_cli("check", "--format", "json", "--select", "FT31", "--trainer-config", "axolotl.yml", cwd=root)
    report, found = findings(proc)
    assert found == [("chat.jsonl", 2, "FT310"), ("chat.jsonl", 3, "FT312")]
    want = reference_counts(folder, as_openai(SHAREGPT, "conversations", "from", "value", {"human": "user", "gpt": "assistant"}), 40)
    stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "axolotl.yml", "data/chat.jsonl", cwd=root).stdout)[0]
    assert stats["tokens"]["max"] == max(w[0] for w in want if w)
    assert stats["trained_tokens"]["total_per_epoch"] == sum(w[2] for w in want if w)
    assert stats["trainer"]["max_seq_length"] == 40 and stats["trainer"]["assistant_only_loss"] is True
    # axolotl's default drops an over-long example whole (newcomer trial: ftlint said it was truncated)
    (root / "axolotl.yml").write_text((root / "axolotl.yml").read_text().replace("excess_length_strategy: truncate\n", ""))
    (root / "default.yml").write_text((root / "axolotl.yml").read_text())  # views are cached per config path
    proc = run_cli("check", "--format", "json", "--select", "FT31", "--trainer-config", "default.yml", cwd=root)
    report, found = findings(proc)
    assert found == [("chat.jsonl", 2, "FT310"), ("chat.jsonl", 3, "FT311")]
    (dropped,) = [f for f in report["findings"] if f["code"] == "FT311"]
    assert "axolotl drops it (excess_length_strategy: drop, axolotl's default): none of its" in dropped["message"]
    stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "default.yml", "data/chat.jsonl", cwd=root).stdout)[0]
    over = [w for w in want if w and w[0] > 40]
    assert over and stats["trained_tokens"]["total_per_epoch"] == sum(w[2] for w in want if w and w[0] <= 40)
    (root / "bad.yml").write_text((root / "default.yml").read_text() + "excess_length_strategy: cut\n")
    bad = run_cli("check", "--trainer-config", "bad.yml", cwd=root)
    assert bad.returncode == 2 and "excess_length_strategy must be drop, truncate or raise, not 'cut'" in bad.stderr


def test_llamafactory_config_with_dataset_info(project):
    root, folder = project
    (root / "data" / "dataset_info.json").write_text(json.dumps({
        "chat_set": {"file_name": "chat.jsonl", "formatting": "sharegpt", "columns": {"messages": "conversations"}},
        "alpaca_set": {"file_name": "alpaca.jsonl"},
    }))
    (root / "llamafactory.yaml").write_text(
        f"model_name_or_path: {folder}\nstage: sft\ntemplate: llama3\ndataset: chat_set,alpaca_set\ndataset_dir: data\ncutoff_len: 40\n")
    proc = run_cli("check", "--format", "json", "--select", "FT31", "--trainer-config", "llamafactory.yaml", cwd=root)
    report, found = findings(proc)
    # row 3's long question leaves its short answer whole under LLaMA-Factory's per-turn cut: over the length, not FT312
    assert ("chat.jsonl", 2, "FT310") in found and ("chat.jsonl", 3, "FT311") in found and ("chat.jsonl", 3, "FT312") not in found
    assert ("alpaca.jsonl", 2, "FT311") in found
    assert "template 'llama3'" in proc.stderr  # the note about LLaMA-Factory's Python templates
    conversations = [[{"role": "user", "content": r["instruction"] + (f"\n{r['input']}" if r["input"] else "")},
                      {"role": "assistant", "content": r["output"]}] for r in ALPACA]
    want = reference_counts(folder, conversations, 40)
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
    masks = [tokenizer.apply_chat_template(m, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)["assistant_masks"]
             for m in conversations]
    stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "llamafactory.yaml", "data/alpaca.jsonl", cwd=root).stdout)[0]
    assert stats["trained_tokens"]["total_per_epoch"] == sum(simulate(pairs_from_mask(mask), 40)[1] for mask in masks)
    assert stats["trained_tokens"]["total_per_epoch"] != sum(w[2] for w in want)  # right truncation would keep other tokens
    assert stats["tokens"]["max"] == max(w[0] for w in want)


@pytest.mark.parametrize("config, message", [
    ("base_model: ./models/tiny\ndatasets:\n  - path: data/missing.jsonl\n    type: chat_template\n", "dataset path data/missing.jsonl does not exist"),
    ("base_model: ./models/tiny\ndatasets:\n  - path: data/chat.jsonl\n    feild_messages: conversations\n", "unknown key(s) feild_messages"),
    ("base_model: ./models/tiny\ndatasets:\n  - path: data/chat.jsonl\n    type: input_output\n",
     "type 'input_output' is not mirrored by --trainer-config, which reads type chat_template, alpaca and completion datasets only"),
    ("base_model: ./models/tiny\nsequence_len: -5\ndatasets: []\n", "sequence_len must be a positive integer"),
    ("model_name_or_path: ./models/tiny\ndataset: nothere\n", "dataset_info.json does not exist"),
    ("just: [a, list\n", "invalid YAML"),
    ("optimizer: adamw\n", "neither an axolotl config"),
])
def test_bad_trainer_configs_are_one_line_errors(project, config, message):
    root, _ = project
    (root / "bad.yml").write_text(config)
    proc = run_cli("check", "--trainer-config", "bad.yml", cwd=root)
    assert proc.returncode == 2, proc.stdout
    assert message in proc.stderr and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_llamafactory_hostile_ranking_rows_get_findings_not_tracebacks(project):
    root, folder = project
    write_jsonl(root / "data" / "hostile.jsonl", [
        {"conversations": [{"from": "human", "value": "q"}], "chosen": {"from": ["gpt"], "value": "a"}, "rejected": {"from": "gpt", "value": "b"}},
        {"conversations": [{"from": "human", "value": "q"}], "chosen": {"from": "\x1b[31mgpt", "value": "a"}, "rejected": {"from": "gpt", "value": "b"}},
        {"conversations": [{"value": "q"}], "chosen": {"from": "gpt", "value": "a"}, "rejected": {"from": "gpt", "value": "b"}},
        [1, 2], "text", {"conversations": "nope", "chosen": 3},
    ])
    (root / "data" / "dataset_info.json").write_text(json.dumps({"h": {"file_name": "hostile.jsonl", "formatting": "sharegpt", "ranking": True,
                                                                       "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"}},
                                                                 "n": {"file_name": "hostile.jsonl", "columns": None}}))
    (root / "lf.yaml").write_text(f"model_name_or_path: {folder}\nstage: dpo\ndataset: h\ndataset_dir: data\n")
    proc = run_cli("check", "--format", "json", "--select", "FT315", "--trainer-config", "lf.yaml", cwd=root)
    report, _ = findings(proc)
    said = {f["line"]: f["message"] for f in report["findings"]}
    assert sorted(said) == [1, 2, 3] and "Traceback" not in proc.stderr
    assert "has role tag an array" in said[1] and "\\u001b[31mgpt" in said[2] and "\x1b" not in said[2]
    assert "message 0 has no 'from' key" in said[3]
    (root / "null.yaml").write_text(f"model_name_or_path: {folder}\ndataset: n\ndataset_dir: data\n")
    bad = run_cli("check", "--trainer-config", "null.yaml", cwd=root)
    assert bad.returncode == 2 and "columns must be an object, not null" in bad.stderr


def test_llamafactory_unknown_dataset_info_keys(project):
    root, folder = project
    (root / "data" / "dataset_info.json").write_text(json.dumps({"s": {"file_name": "chat.jsonl", "colums": {}}}))
    (root / "lf.yaml").write_text(f"model_name_or_path: {folder}\ndataset: s\ndataset_dir: data\n")
    proc = run_cli("check", "--trainer-config", "lf.yaml", cwd=root)
    assert proc.returncode == 2 and "unknown key(s) colums" in proc.stderr


def test_trl_config_file_mirrors_sftconfig(project):
    """'trl sft --config': max_length (default 1024), assistant_only_loss and a local dataset_name."""
    root, folder = project
    rows = [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "The quick brown fox " * 20}]}]
    write_jsonl(root / "data" / "trl.jsonl", rows)
    (root / "trl.yaml").write_text(f"model_name_or_path: {folder}\ndataset_name: data/trl.jsonl\nmax_length: 30\nassistant_only_loss: true\n")
    proc = run_cli("check", "--format", "json", "--select", "FT31", "--trainer-config", "trl.yaml", cwd=root)
    report, found = findings(proc)
    assert found == [("trl.jsonl", 1, "FT311")]
    assert "max-seq-length 30" in report["findings"][0]["message"]


def test_a_trainer_config_picks_its_frameworks_profile_unless_one_is_set(project):
    """ShareGPT under an axolotl config is the trainer's own format: not FT401 under openai-sft."""
    root, _ = project
    (root / "axolotl.yml").write_text(
        "base_model: ./models/tiny\nsequence_len: 4000\n"
        "datasets:\n  - path: data/chat.jsonl\n    type: chat_template\n    field_messages: conversations\n"
        "    message_property_mappings:\n      role: from\n      content: value\n")
    proc = run_cli("check", "--format", "json", "--trainer-config", "axolotl.yml", "--show-settings", cwd=root)
    assert "axolotl" in proc.stdout and "--trainer-config" in proc.stdout, proc.stdout
    codes = {f["code"] for f in json.loads(run_cli("check", "--format", "json", "--trainer-config", "axolotl.yml", cwd=root).stdout)["findings"]}
    assert "FT401" not in codes and "FT106" not in codes, codes
    chosen = json.loads(run_cli("check", "--format", "json", "--profile", "openai-sft", "--trainer-config", "axolotl.yml", cwd=root).stdout)
    assert "FT401" in {f["code"] for f in chosen["findings"]}  # a profile the user set wins


def test_llamafactory_ranking_renders_prompt_and_chosen_and_reports_rows_it_drops(project):
    """Newcomer trial: every valid DPO pair got FT313 (only the prompt was rendered), and a list 'chosen',
    which LLaMA-Factory drops (converter.py: a pair needs two dicts), passed silently."""
    root, folder = project
    question = {"from": "human", "value": "What is the capital of France?"}
    rows = [
        {"conversations": [question], "chosen": {"from": "gpt", "value": "Paris is the capital of France."},
         "rejected": {"from": "gpt", "value": "Lyon."}},
        {"conversations": [question], "chosen": [{"from": "gpt", "value": "Paris."}], "rejected": [{"from": "gpt", "value": "Lyon."}]},
        {"conversations": [question], "chosen": {"from": "human", "value": "Paris."}, "rejected": {"from": "gpt", "value": "Lyon."}},
    ]
    write_jsonl(root / "data" / "pref.jsonl", rows)
    write_jsonl(root / "data" / "pref_alpaca.jsonl", [
        {"instruction": "Name the capital of France.", "chosen": "Paris.", "rejected": "Lyon."},
        {"instruction": "Name the capital of France.", "chosen": ["Paris."], "rejected": "Lyon."}])
    (root / "data" / "dataset_info.json").write_text(json.dumps({
        "pref": {"file_name": "pref.jsonl", "formatting": "sharegpt", "ranking": True,
                 "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"}},
        "pref_alpaca": {"file_name": "pref_alpaca.jsonl", "ranking": True,
                        "columns": {"prompt": "instruction", "query": "input", "chosen": "chosen", "rejected": "rejected"}},
    }))
    (root / "dpo.yaml").write_text(f"model_name_or_path: {folder}\nstage: dpo\ndataset: pref,pref_alpaca\ndataset_dir: data\ncutoff_len: 200\n")
    proc = run_cli("check", "--format", "json", "--select", "FT31", "--trainer-config", "dpo.yaml", cwd=root)
    report, found = findings(proc)
    assert found == [("pref.jsonl", 2, "FT315"), ("pref.jsonl", 3, "FT315"), ("pref_alpaca.jsonl", 2, "FT315")]
    messages = {(f["path"].rsplit("/", 1)[-1], f["line"]): f["message"] for f in report["findings"]}
    assert "'chosen' holds an array: it drops the row" in messages["pref.jsonl", 2]
    assert "'chosen' has role tag 'human', not the assistant or function tag" in messages["pref.jsonl", 3]
    assert "each a string, and 'chosen' holds an array" in messages["pref_alpaca.jsonl", 2]
    want = reference_counts(folder, [[{"role": "user", "content": question["value"]},
                                      {"role": "assistant", "content": "Paris is the capital of France."}]], 200)
    stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "dpo.yaml", "data/pref.jsonl", cwd=root).stdout)[0]
    assert stats["trainer"]["examples"] == 1 and stats["tokens"]["max"] == want[0][0]
    assert stats["trained_tokens"]["total_per_epoch"] == want[0][2] > 0
    (root / "data" / "dataset_info.json").write_text(json.dumps({"pref": {"file_name": "pref.jsonl", "formatting": "sharegpt",
                                                                          "ranking": True}}))
    (root / "nocols.yaml").write_text((root / "dpo.yaml").read_text().replace("pref,pref_alpaca", "pref"))
    bad = run_cli("check", "--trainer-config", "nocols.yaml", cwd=root)
    assert bad.returncode == 2 and "ranking: true needs columns naming \"chosen\" and \"rejected\"" in bad.stderr


@pytest.mark.parametrize("config, limit, source", [
    ("base_model: ./models/tiny\ndatasets:\n  - path: data/chat.jsonl\n    type: chat_template\n    field_messages: conversations\n"
     "    message_property_mappings:\n      role: from\n      content: value\n", "512", "sequence_len default of axolotl, not set in run.yml"),
    ("model_name_or_path: ./models/tiny\ndataset: chat_set\ndataset_dir: data\n", "2,048",
     "LLaMA-Factory's default cutoff_len, not set in run.yml"),
    ("model_name_or_path: ./models/tiny\ndataset_name: data/chat.jsonl\nassistant_only_loss: false\n", "1,024",
     "SFTConfig's default max_length, not set in run.yml"),
])
def test_each_trainers_default_length_is_named(project, config, limit, source):
    """Newcomer trial: an axolotl config without sequence_len was judged at 4,096; axolotl's schema says 512."""
    root, _ = project
    (root / "data" / "dataset_info.json").write_text(json.dumps({"chat_set": {"file_name": "chat.jsonl", "formatting": "sharegpt"}}))
    (root / "run.yml").write_text(config)
    proc = run_cli("stats", "--trainer-config", "run.yml", "data/chat.jsonl", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert f"limit {limit} tokens ({source}):" in proc.stdout


def test_axolotl_default_length_judges_rows(project):
    root, folder = project
    long_answer = "The quick brown fox jumps over the lazy dog. " * 60
    write_jsonl(root / "data" / "long.jsonl", [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": long_answer}]}])
    (root / "ax.yml").write_text("base_model: ./models/tiny\ndatasets:\n  - path: data/long.jsonl\n    type: chat_template\n")
    [want] = reference_counts(folder, [[{"role": "user", "content": "hi"}, {"role": "assistant", "content": long_answer}]], 512)
    assert want[0] > 512  # over axolotl's default, under the 4,096 ftlint used to judge it at
    report, found = findings(run_cli("check", "--format", "json", "--select", "FT31", "--trainer-config", "ax.yml", cwd=root))
    assert found == [("long.jsonl", 1, "FT311")]
    assert f"example has {want[0]:,} tokens" in report["findings"][0]["message"] and "max-seq-length 512" in report["findings"][0]["message"]


def test_ft106_accepts_the_roles_the_trainer_config_maps(project):
    """Newcomer trial: rows using the tags dataset_info.json declares (or axolotl's roles) got FT106."""
    root, folder = project
    write_jsonl(root / "data" / "tagged.jsonl", [
        {"conversations": [{"from": "user", "value": "hi"}, {"from": "assistant", "value": "Hello!"}]},
        {"conversations": [{"from": "user", "value": "hi"}, {"from": "bot", "value": "Hello!"}]},
        {"conversations": [{"from": "system", "value": "Be brief."}, {"from": "user", "value": "hi"}, {"from": "assistant", "value": "Hi."}]},
    ])
    tags = {"role_tag": "from", "content_tag": "value", "user_tag": "user", "assistant_tag": "assistant"}
    (root / "data" / "dataset_info.json").write_text(json.dumps({"tagged": {"file_name": "tagged.jsonl", "formatting": "sharegpt", "tags": tags}}))
    (root / "lf.yaml").write_text(f"model_name_or_path: {folder}\ndataset: tagged\ndataset_dir: data\n")
    report = json.loads(run_cli("check", "--format", "json", "--select", "FT106", "--trainer-config", "lf.yaml", cwd=root).stdout)
    # 'bot' is no declared tag, and 'system' is none either: tags without system_tag leave it None
    assert [(f["line"], f["pointer"]) for f in report["findings"]] == [(2, "/conversations/1/from"), (3, "/conversations/0/from")]
    assert "is not one of the tags of dataset 'tagged' of data/dataset_info.json (assistant, user)" in report["findings"][0]["message"]
    # tags of its own: FT121 and FT117 take the declared user and assistant tags as the first and last roles
    tags.update(user_tag="prompter", assistant_tag="bot")
    (root / "data" / "dataset_info.json").write_text(json.dumps({"tagged": {"file_name": "tagged.jsonl", "formatting": "sharegpt", "tags": tags}}))
    write_jsonl(root / "data" / "tagged.jsonl", [{"conversations": [{"from": "prompter", "value": "hi"}, {"from": "bot", "value": "Hello!"}]},
                                                 {"conversations": [{"from": "bot", "value": "Hello!"}, {"from": "prompter", "value": "hi"}]}])
    report = json.loads(run_cli("check", "--format", "json", "--select", "FT106,FT117,FT121", "--trainer-config", "lf.yaml", cwd=root).stdout)
    assert sorted((f["line"], f["code"]) for f in report["findings"]) == [(2, "FT117"), (2, "FT121")]
    assert "needs bot last" in {f["code"]: f["message"] for f in report["findings"]}["FT117"]
    # axolotl: roles replaces the default mapping, so 'human' no longer maps while 'prompter' does
    write_jsonl(root / "data" / "roles.jsonl", [
        {"conversations": [{"from": "prompter", "value": "hi"}, {"from": "bot", "value": "Hello!"}]},
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "bot", "value": "Hello!"}]},
    ])
    (root / "ax.yml").write_text(
        "base_model: ./models/tiny\nsequence_len: 200\ndatasets:\n  - path: data/roles.jsonl\n    type: chat_template\n"
        "    field_messages: conversations\n    message_property_mappings:\n      role: from\n      content: value\n"
        "    roles:\n      user: [prompter]\n      assistant: [bot]\n")
    report = json.loads(run_cli("check", "--format", "json", "--select", "FT106,FT313", "--trainer-config", "ax.yml", cwd=root).stdout)
    assert [(f["line"], f["code"], f["pointer"]) for f in report["findings"]] == [(2, "FT106", "/conversations/0/from")]


def test_ft106_advice_without_a_config_gives_every_tag(project):
    """LLaMA-Factory's DatasetAttr.join: once "tags" is given, each tag it omits is None, role_tag and content_tag too."""
    root, _ = project
    write_jsonl(root / "data" / "openai_tags.jsonl", [{"conversations": [{"from": "user", "value": "hi"}, {"from": "assistant", "value": "Hello!"}]}])
    report = json.loads(run_cli("check", "--format", "json", "--select", "FT106", "--profile", "llamafactory", "data/openai_tags.jsonl", cwd=root).stdout)
    message = report["findings"][0]["message"]
    snippet = json.loads(message.split('"tags": ', 1)[1].split("; then", 1)[0])
    assert snippet == {"role_tag": "from", "content_tag": "value", "user_tag": "user", "assistant_tag": "assistant",
                       "observation_tag": "observation", "function_tag": "function_call", "system_tag": "system"}


def test_a_partial_columns_block_reads_only_what_it_names(project):
    """Newcomer trial: with columns {prompt, response}, LLaMA-Factory sets query to None, so 'input' is never trained."""
    root, folder = project
    (root / "data" / "dataset_info.json").write_text(json.dumps({
        "alpaca_set": {"file_name": "alpaca.jsonl", "columns": {"prompt": "instruction", "response": "output"}}}))
    (root / "lf.yaml").write_text(f"model_name_or_path: {folder}\ndataset: alpaca_set\ndataset_dir: data\ncutoff_len: 1000\n")
    report, found = findings(run_cli("check", "--format", "json", "--select", "FT31", "--trainer-config", "lf.yaml", cwd=root))
    assert found == [("alpaca.jsonl", 2, "FT316")]  # once for the file; row 1's input is empty
    assert "column 'input' is not read by the trainer config: its columns object names no 'query'" in report["findings"][0]["message"]
    want = reference_counts(folder, [[{"role": "user", "content": r["instruction"]}, {"role": "assistant", "content": r["output"]}]
                                     for r in ALPACA], 1000)
    stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "lf.yaml", cwd=root).stdout)[0]
    assert stats["tokens"]["max"] == max(w[0] for w in want) and stats["trainer"]["tokens_per_epoch"] == sum(w[0] for w in want)


@pytest.mark.parametrize("kind", ["sharegpt", "sharegpt.load_role"])
def test_axolotl_refuses_sharegpt_types(project, kind):
    root, _ = project
    (root / "ax.yml").write_text(f"base_model: ./models/tiny\ndatasets:\n  - path: data/chat.jsonl\n    type: {kind}\n")
    proc = run_cli("check", "--trainer-config", "ax.yml", cwd=root)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"axolotl refuses type '{kind}'" in proc.stderr and "use type: chat_template" in proc.stderr


def test_axolotl_completion_dataset_is_tokenized_as_text_and_split(project, tmp_path):
    """axolotl's completion type (prompt_strategies/completion.py): the 'field' column tokenized with special
    tokens, EOS appended, every token trained, split into sequence_len samples; no chat template needed."""
    root, folder = project
    base = build_tokenizer_folder(tmp_path / "base", chat_template=None)  # a base model: no chat template
    long_text = "The quick brown fox jumps over the lazy dog. " * 30
    write_jsonl(root / "data" / "comp.jsonl", [{"body": long_text}, {"body": "Hello!"}, {"text": "no body"}])
    (root / "comp.yml").write_text(f"base_model: {base}\nsequence_len: 64\ndatasets:\n  - path: data/comp.jsonl\n    type: completion\n    field: body\n")
    reference = transformers.AutoTokenizer.from_pretrained(str(base))
    want = [len(reference(text)["input_ids"]) + 1 for text in (long_text, "Hello!")]  # + the EOS axolotl appends
    assert want[0] > 64
    report, found = findings(run_cli("check", "--format", "json", "--select", "FT31", "--trainer-config", "comp.yml", cwd=root))
    assert found == [("comp.jsonl", 1, "FT311"), ("comp.jsonl", 3, "FT315"), ("comp.jsonl", 3, "FT316")]
    said = {f["line"]: f["message"] for f in report["findings"] if f["code"] != "FT316"}
    (unread,) = [f for f in report["findings"] if f["code"] == "FT316"]
    assert unread["pointer"] == "/text" and unread["message"].startswith(
        "column 'text' is not read by the trainer config: axolotl's type completion reads only the 'body' column")
    pieces = -(-want[0] // 64)
    last = want[0] - (pieces - 1) * 64
    pieces -= last < 2  # a last piece under two tokens is dropped: no sample of its own (review)
    assert f"example has {want[0]:,} tokens" in said[1] and f"splits it into {pieces} samples" in said[1]
    assert "axolotl reads the text from column 'body'" in said[3]
    stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "comp.yml", cwd=root).stdout)[0]
    assert stats["trainer"]["tokens_per_epoch"] == sum(want) and stats["trainer"]["truncated_examples"] == 0
    # every token is trained; a last piece of one token is dropped (min_sample_len's default of 2)
    assert stats["trained_tokens"]["total_per_epoch"] == sum(want) - (last if last < 2 else 0)


TRIAL_ALPACA = [
    {"instruction": "Name the capital of France.", "input": "", "output": "Paris.", "system": "You are a geography tutor.",
     "history": [["Hi", "Hello!"]], "source": "crm"},
    {"instruction": "Translate", "input": "Hello", "output": "Bonjour", "system": "Be brief.", "history": [], "source": "crm"},
]


def unread_columns(report):
    return [(f["line"], f["code"], f["pointer"]) for f in report["findings"] if f["code"] == "FT316"]


def test_axolotl_alpaca_reports_the_columns_its_strategy_does_not_read(project):
    """Newcomer trial: type alpaca with history, system and source columns exited 0 without FT316, though
    axolotl's AlpacaPromptTokenizingStrategy reads only instruction, input and output. source is metadata
    every trainer drops: FT110 leaves it alone under the trainer profiles, and so does FT316."""
    pytest.importorskip("mistral_common")
    root, _ = project
    write_jsonl(root / "data" / "trial.jsonl", TRIAL_ALPACA)
    (root / "ax2.yml").write_text("base_model: ./models/tiny\nsequence_len: 2048\ndatasets:\n  - path: data/trial.jsonl\n    type: alpaca\n")
    proc = run_cli("check", "--format", "json", "--trainer-config", "ax2.yml", "--tokenizer", "mistral-common:tekken_240718.json", cwd=root)
    report, _ = findings(proc)
    assert proc.returncode == 0  # warnings only
    assert [(f["line"], f["code"], f["pointer"]) for f in report["findings"]] == [(1, "FT316", "/history"), (1, "FT316", "/system")]
    said = {f["pointer"]: f["message"] for f in report["findings"]}
    reads = "axolotl's type alpaca reads only instruction, input and output (AlpacaPromptTokenizingStrategy)"
    assert said["/history"] == (f"column 'history' is not read by the trainer config: {reads}; axolotl's instruction types read "
                                "no earlier turns: write them as messages for type chat_template (rows in this file: 1; the first here)")
    assert said["/system"] == (f"column 'system' is not read by the trainer config: {reads}; type alpaca_w_system (load_chat or "
                               "load_instruct) reads a system column (rows in this file: 2; the first here)")


@pytest.mark.parametrize("kind, unread", [
    ("alpaca:chatml", ["/history", "/system"]),  # a prompt style changes the wording, not the columns
    ("alpaca_chat.load_concise", ["/history", "/system"]),
    ("alpaca_instruct", ["/history", "/system"]),
    ("alpaca_w_system.load_chat", ["/history"]),  # InstructionWSystemPromptTokenizingStrategy reads the system column
])
def test_axolotl_alpaca_strategies_read_their_own_columns(project, kind, unread):
    root, folder = project
    write_jsonl(root / "data" / "trial.jsonl", TRIAL_ALPACA)
    (root / "ax.yml").write_text(f"base_model: ./models/tiny\nsequence_len: 2048\ndatasets:\n  - path: data/trial.jsonl\n    type: '{kind}'\n")
    report, _ = findings(run_cli("check", "--format", "json", "--select", "FT316", "--trainer-config", "ax.yml", cwd=root))
    assert unread_columns(report) == [(1, "FT316", pointer) for pointer in unread]
    # the system prompt is rendered exactly when the strategy reads it
    system = "system" not in [p.strip("/") for p in unread]
    want = reference_counts(folder, [([{"role": "system", "content": r["system"]}] if system else [])
                                     + [{"role": "user", "content": r["instruction"] + (f"\n{r['input']}" if r["input"] else "")},
                                        {"role": "assistant", "content": r["output"]}] for r in TRIAL_ALPACA], 2048)
    stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", "ax.yml", cwd=root).stdout)[0]
    assert stats["trainer"]["tokens_per_epoch"] == sum(w[0] for w in want)


@pytest.mark.parametrize("kind", ["alpaca_chat.load_qa", "alpaca_w_system.load_open_orca", "alpaca_chat:chatml"])
def test_axolotl_instruction_types_read_from_other_columns_are_refused(project, kind):
    """load_qa reads question/answer, load_open_orca question/response/system_prompt: mapped as Alpaca they
    rendered nothing, silently; and axolotl takes a prompt style after a colon on alpaca alone."""
    root, _ = project
    (root / "ax.yml").write_text(f"base_model: ./models/tiny\ndatasets:\n  - path: data/alpaca.jsonl\n    type: '{kind}'\n")
    proc = run_cli("check", "--trainer-config", "ax.yml", cwd=root)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"type {kind!r} is not mirrored by --trainer-config" in proc.stderr and "alpaca_w_system.load_instruct" in proc.stderr


def test_axolotl_chat_template_reads_the_system_column_and_reports_the_rest(project):
    """prompt_strategies/chat_template.py get_conversation_thread: a system column becomes the system turn when
    the first message is not one (ftlint dropped it); drop_system_message drops it again. Other data columns
    (a chosen answer in an SFT file) are not read."""
    root, folder = project
    rows = [{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "Hello!"}], "system": "Be brief.",
             "chosen": "Hi.", "id": 7},
            {"conversations": [{"from": "system", "value": "Own."}, {"from": "human", "value": "hi"}, {"from": "gpt", "value": "ok"}],
             "system": "Ignored: the first turn is a system turn."}]
    write_jsonl(root / "data" / "sys.jsonl", rows)
    entry = ("  - path: data/sys.jsonl\n    type: chat_template\n    field_messages: conversations\n"
             "    message_property_mappings:\n      role: from\n      content: value\n")
    roles = {"human": "user", "gpt": "assistant", "system": "system"}
    turns = as_openai(rows, "conversations", "from", "value", roles)
    for name, extra, conversations, unread in (
            ("kept.yml", "", [[{"role": "system", "content": "Be brief."}] + turns[0], turns[1]], ["/chosen"]),
            ("dropped.yml", "    drop_system_message: true\n", [turns[0], turns[1][1:]], ["/chosen", "/system"])):
        (root / name).write_text(f"base_model: ./models/tiny\nsequence_len: 2048\ndatasets:\n{entry}{extra}")
        report, _ = findings(run_cli("check", "--format", "json", "--select", "FT316", "--trainer-config", name, cwd=root))
        assert unread_columns(report) == [(1, "FT316", pointer) for pointer in unread], name
        want = reference_counts(folder, conversations, 2048)
        stats = json.loads(run_cli("stats", "--output-format", "json", "--trainer-config", name, cwd=root).stdout)[0]
        assert stats["trainer"]["tokens_per_epoch"] == sum(w[0] for w in want), name
    messages = {f["pointer"]: f["message"] for f in report["findings"]}
    assert messages["/system"].startswith("column 'system' is not read by the trainer config: axolotl's type chat_template reads "
                                          "only the 'conversations' column, system, tools and images; drop_system_message: true")
