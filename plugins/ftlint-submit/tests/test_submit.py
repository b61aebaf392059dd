"""ftlint submit and jobs: the real openai SDK, in a subprocess, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fake_openai import KEY

GOOD = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}
BAD = {"messages": [{"role": "user", "content": "no reply"}]}
OUTPUTS: list[str] = []  # everything the CLI printed in this module, checked for the key at the end


def ftlint(*args, fake=None, key=KEY, env=None, cwd=None):
    full = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    full.update({"FTLINT_POLL_SECONDS": "0.01", "FTLINT_LOAD_PLUGINS": "ftlint-submit"})
    if key:
        full["OPENAI_API_KEY"] = key
    if fake is not None:
        full["OPENAI_BASE_URL"] = fake.base_url
    full.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "linter", *map(str, args)], env=full, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, cwd=cwd)
    OUTPUTS.append(proc.stdout + proc.stderr)
    assert KEY not in proc.stdout + proc.stderr
    return proc


@pytest.fixture
def train(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(GOOD) + "\n" for _ in range(12)))
    return path


def test_submit_follows_a_job_to_success(fake, train):
    proc = ftlint("submit", train, "--model", "gpt-4o-mini-2024-07-18", "--suffix", "support", "--yes", "--follow", fake=fake)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "examples:        12" in out and "estimated cost:  $" in out and "prices as of" in out
    assert "uploaded" in out and "started ftjob-" in out
    order = [out.index(s) for s in ("Validating training file", "moving job to queued", "Fine-tuning job started", "Step 1/3", "Step 3/3", "successfully completed")]
    assert order == sorted(order), out
    assert "succeeded: fine-tuned model ft:gpt-4o-mini-2024-07-18:org-test::abc123" in out
    (job,) = fake.jobs.values()
    assert job["suffix"] == "support" and job["method"]["type"] == "supervised" and "ftlint_submission" in job["metadata"]


def test_events_are_printed_oldest_first_across_pages(fake, train):
    fake.steps = 130  # more than two pages of 50
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", "--follow", fake=fake)
    steps = [line for line in proc.stdout.splitlines() if "Step " in line]
    assert [int(line.split("Step ")[1].split("/")[0]) for line in steps] == list(range(1, 131))


def test_failed_job_exits_2_with_the_reason(fake, train):
    fake.outcome = "failed"
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", "--follow", fake=fake)
    assert proc.returncode == 2 and "failed: Training file has too few examples." in proc.stderr
    assert "Fine-tuning job failed" in proc.stdout


def test_lint_errors_refuse_the_upload(fake, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n")
    proc = ftlint("submit", path, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert proc.returncode == 1
    assert "bad.jsonl:2: FT112 [assistant-missing]" in proc.stdout and "nothing was uploaded" in proc.stderr
    assert fake.requests == []


# ---------------------------------------------------------------- the gate is `ftlint check` (issue 12)

HOUSE_RULES = '''
from linter import Rule, Violation, hookimpl, pointer


class NoTodo(Rule):
    """A reply still holding a TODO was never finished. (It has a bug: a reply saying CRASH breaks it.)"""

    code = "HOUSE001"
    name = "no-todo"
    summary = "Assistant reply holds a TODO"
    reads = ("turns",)

    def check(self, row):
        for index, message in row.messages():
            text = str(message.get("content"))
            if "CRASH" in text:
                raise ZeroDivisionError("house rule bug")
            if message.get("role") == "assistant" and "TODO" in text:
                yield Violation("the reply holds a TODO", pointer("messages", index, "content"))


@hookimpl
def register_rules(register):
    register(NoTodo)
'''


def house_project(tmp_path, reply: str):
    """A project whose pyproject names a local plugin, and 12 examples whose line 2 has ``reply`` as its answer."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "house.py").write_text(HOUSE_RULES)
    (tmp_path / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["rules/house.py"]\n')
    odd = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": reply}]}
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(row) + "\n" for row in [GOOD, odd] + [GOOD] * 10))
    return tmp_path


def test_a_local_plugin_rule_from_pyproject_blocks_the_upload(fake, tmp_path):
    root = house_project(tmp_path, "TODO: write the answer")
    check = ftlint("check", "data.jsonl", "--profile", "openai-sft", cwd=root)
    assert check.returncode == 1 and "HOUSE001" in check.stdout, check.stdout + check.stderr
    proc = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--yes", fake=fake, cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "data.jsonl:2: HOUSE001 [no-todo] the reply holds a TODO (at /messages/1/content)" in proc.stdout
    assert "1 error(s); nothing was uploaded" in proc.stderr and "examples:" not in proc.stdout
    assert fake.requests == [] and fake.files == {} and fake.jobs == {}
    # without the rule's finding the same project is uploaded: the refusal was the house rule's
    (root / "data.jsonl").write_text((json.dumps(GOOD) + "\n") * 12)
    again = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--yes", fake=fake, cwd=root)
    assert again.returncode == 0, again.stderr
    assert len(fake.files) == 1 and len(fake.jobs) == 1


def test_a_rule_that_crashes_refuses_the_upload_as_an_internal_error(fake, tmp_path):
    root = house_project(tmp_path, "CRASH now")
    proc = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--yes", fake=fake, cwd=root)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "data.jsonl:2: FT000 [internal-error]" in proc.stdout and "ZeroDivisionError" in proc.stdout
    assert "1 internal error(s) (FT000)" in proc.stderr and "nothing was uploaded" in proc.stderr
    assert "Traceback" not in proc.stderr and fake.requests == []


def test_a_baseline_hides_known_findings_as_check_does(fake, tmp_path):
    root = house_project(tmp_path, "TODO: write the answer")
    recorded = ftlint("check", "data.jsonl", "--profile", "openai-sft", "--write-baseline", "baseline.json", cwd=root)
    assert recorded.returncode == 0, recorded.stderr
    proc = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--dry-run", "--baseline", "baseline.json", fake=fake, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "hidden by the baseline" in proc.stderr and "examples:        12" in proc.stdout
    missing = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--dry-run", "--baseline", "nope.json", fake=fake, cwd=root)
    assert missing.returncode == 2 and "baseline nope.json does not exist" in missing.stderr and "Traceback" not in missing.stderr


def test_the_configured_baseline_does_not_let_errors_through_the_upload(fake, tmp_path):
    """[tool.ftlint] baseline is a repository's accepted debt, which check and fix pass; submit uploads the file as
    it is, and the provider refuses an example with no reply whatever the repository accepts. The gate refuses
    the errors the configured baseline holds, says it did not apply it, and uploads them only on --baseline."""
    root = house_project(tmp_path, "TODO: write the answer")
    (root / "pyproject.toml").write_text('[tool.ftlint]\nplugins = ["rules/house.py"]\nbaseline = "known.json"\n')
    with open(root / "data.jsonl", "a") as data:
        data.write(json.dumps(BAD) + "\n")
    assert ftlint("check", "data.jsonl", "--profile", "openai-sft", "--write-baseline", "known.json", cwd=root).returncode == 0
    assert ftlint("check", "data.jsonl", "--profile", "openai-sft", cwd=root).returncode == 0  # the repository's gate passes
    proc = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--yes", fake=fake, cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "data.jsonl:2: HOUSE001" in proc.stdout and "data.jsonl:13: FT112" in proc.stdout
    assert ("2 of these errors are recorded in known.json, the baseline [tool.ftlint] names, which submit does not apply"
            in proc.stderr and "--baseline known.json" in proc.stderr), proc.stderr
    assert fake.requests == [] and fake.files == {} and fake.jobs == {}
    waived = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--dry-run", "--baseline", "known.json", fake=fake, cwd=root)
    assert waived.returncode == 0 and "finding(s) hidden by the baseline" in waived.stderr, waived.stdout + waived.stderr
    assert "does not apply" not in waived.stderr
    # a new error beside them: the note counts only the recorded ones
    with open(root / "data.jsonl", "a") as data:
        data.write(json.dumps(BAD) + "\n")
    proc = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--dry-run", fake=fake, cwd=root)
    assert proc.returncode == 1 and "3 error(s)" in proc.stderr and "2 of these errors are recorded" in proc.stderr


@pytest.mark.parametrize("config, words", [
    ("[tool.ftlint\n", "pyproject.toml"),
    ('[tool.ftlint]\nplugins = ["rules/missing.py"]\n', "rules/missing.py"),
    ('[tool.ftlint]\nselect = ["FT9Z9"]\n', "FT9Z9"),
])
def test_a_broken_project_config_stops_submit_as_it_stops_check(fake, train, tmp_path, config, words):
    (tmp_path / "pyproject.toml").write_text(config)
    check = ftlint("check", train, cwd=tmp_path)
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake, cwd=tmp_path)
    assert check.returncode == proc.returncode == 2, proc.stdout + proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert "examples:" not in proc.stdout and fake.requests == []


def test_a_validation_file_copied_from_training_is_refused_as_check_refuses_it(fake, train, tmp_path):
    valid = tmp_path / "valid.jsonl"
    valid.write_text(json.dumps(GOOD) + "\n")
    check = ftlint("check", train, "--validation-file", valid, "--profile", "openai-sft", "--format", "json")
    assert check.returncode == 1
    assert [(f["path"], f["code"]) for f in json.loads(check.stdout)["findings"] if f["severity"] == "error"] == [(str(valid), "FT406")]
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--validation-file", valid, "--yes", fake=fake)
    assert proc.returncode == 1 and f"{valid}:1: FT406 [validation-leak]" in proc.stdout
    assert fake.requests == []


def test_dry_run_sends_nothing(fake, train):
    proc = ftlint("submit", train, "--model", "gpt-4.1-nano", "--dry-run", fake=fake, key=None)
    assert proc.returncode == 0 and "dry run: nothing was sent." in proc.stdout
    assert "billing tokens:" in proc.stdout and fake.requests == []


# ---------------------------------------------------------------- the profile is the configured one (newcomer trial)

TOGETHER_ONLY = {"messages": [{"role": "system", "content": "s"}, {"role": "assistant", "content": "Hi, how can I help?"},
                              {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}


def project(tmp_path, profile: str, row: dict):
    (tmp_path / "pyproject.toml").write_text(f'[tool.ftlint]\nprofile = "{profile}"\n')
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(row) + "\n" for _ in range(12)))
    return tmp_path


def test_a_configured_profile_of_another_provider_is_refused_not_replaced(fake, tmp_path):
    """pyproject says together: submit linted as openai-sft and exited 0 on a file check fails."""
    root = project(tmp_path, "together", TOGETHER_ONLY)
    assert ftlint("check", "data.jsonl", cwd=root).returncode == 1
    proc = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--dry-run", fake=fake, cwd=root)
    assert proc.returncode == 2 and "examples:" not in proc.stdout, proc.stdout + proc.stderr
    (line,) = proc.stderr.splitlines()
    assert "profile 'together' (from " in line and "pyproject.toml" in line and "--profile openai-sft" in line
    explicit = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--dry-run", "--profile", "openai-sft", fake=fake, cwd=root)
    assert explicit.returncode == 0 and "billing tokens:" in explicit.stdout, explicit.stdout + explicit.stderr
    assert fake.requests == []


def test_a_configured_openai_profile_is_the_one_linted(fake, tmp_path):
    """Under azure-openai (not the method's openai-sft) there is no OpenAI billing estimate: it says unknown, not 0."""
    root = project(tmp_path, "azure-openai", GOOD)
    proc = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--dry-run", fake=fake, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "billing tokens:  unknown" in proc.stdout and "estimated cost:  unknown" in proc.stdout
    sft = ftlint("submit", "data.jsonl", "--model", "gpt-4o-mini", "--dry-run", "--profile", "openai-sft", fake=fake, cwd=root)
    assert sft.returncode == 0 and "billing tokens:  unknown" not in sft.stdout and "billing tokens:  " in sft.stdout
    broken = ftlint("submit", "data.jsonl", "--model", "o4-mini", "--method", "reinforcement", "--grader",
                    root / "pyproject.toml", "--dry-run", fake=fake, cwd=root)
    assert broken.returncode == 2 and "is not a readable JSON file" in broken.stderr and "internal error" not in broken.stderr
    (root / "grader.json").write_text('{"type": "string_check", "name": "g", "input": "{{sample.output_text}}", '
                                      '"reference": "a", "operation": "eq"}')
    mismatch = ftlint("submit", "data.jsonl", "--model", "o4-mini", "--method", "reinforcement", "--grader",
                      root / "grader.json", "--dry-run", fake=fake, cwd=root)
    assert mismatch.returncode == 2 and "--method reinforcement trains on other rows than profile 'azure-openai'" in mismatch.stderr
    assert fake.requests == []


def test_a_dpo_submit_estimates_the_billing_tokens_check_counts(fake, tmp_path):
    row = {"input": {"messages": [{"role": "user", "content": "Summarise: sales rose 4%."}]},
           "preferred_output": [{"role": "assistant", "content": "Sales grew 4%."}],
           "non_preferred_output": [{"role": "assistant", "content": "No."}]}
    path = tmp_path / "dpo.jsonl"
    path.write_text("".join(json.dumps(dict(row, input={"messages": [{"role": "user", "content": f"Summarise report {i}."}]})) + "\n"
                            for i in range(12)))
    check = ftlint("check", path, "--profile", "openai-dpo", "--model", "gpt-4.1-mini", "--format", "json")
    tokens = json.loads(check.stdout)["files"][0]["tokens"]
    assert tokens["pairs"] == 12 and tokens["estimated_billing_tokens"] > 0
    proc = ftlint("submit", path, "--model", "gpt-4.1-mini", "--method", "dpo", "--dry-run", fake=fake)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"billing tokens:  {tokens['estimated_billing_tokens']:,}" in proc.stdout
    assert fake.requests == []


@pytest.mark.parametrize("model, words", [
    ("azure/gpt-4o-mini", "--model azure/gpt-4o-mini is ftlint's name for an Azure model's limits"),
    ("openai/gpt-oss-20b", "--model openai/gpt-oss-20b is a together model"),
])
def test_a_model_the_api_does_not_train_is_refused(fake, train, model, words):
    proc = ftlint("submit", train, "--model", model, "--yes", fake=fake)
    assert proc.returncode == 2 and words in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert fake.requests == []


def test_missing_key_is_reported_before_any_work(fake, train):
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake, key=None)
    assert proc.returncode == 2 and "OPENAI_API_KEY is not set" in proc.stderr
    assert "examples:" not in proc.stdout and fake.requests == []


def test_retried_submit_does_not_start_a_second_job(fake, train):
    first = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    second = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert first.returncode == second.returncode == 0
    assert len(fake.jobs) == 1 and "already started" in second.stdout
    assert len(fake.files) == 1
    # a different option is a different submission
    third = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", "--seed", "7", fake=fake)
    assert third.returncode == 0 and len(fake.jobs) == 2 and "reusing file-" in third.stdout


def test_uploaded_but_not_created_says_how_to_continue(fake, train):
    fake.fail_create = 1
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert proc.returncode == 2
    assert "Uploaded file-" in proc.stderr and "no job was created" in proc.stderr and "Re-run the same command" in proc.stderr
    assert len(fake.jobs) == 0 and sum(1 for m, p in fake.requests if m == "POST" and p.endswith("/jobs")) == 1  # no retry of create
    again = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert again.returncode == 0 and "reusing file-" in again.stdout and len(fake.jobs) == 1 and len(fake.files) == 1


def test_server_rejected_file(fake, train):
    fake.reject_files = True
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert proc.returncode == 2
    assert 'the server rejected' in proc.stderr and 'Line 2, key "messages"' in proc.stderr


@pytest.mark.parametrize("status, words", [(413, "too large"), (429, "rate limited")])
def test_upload_failures_are_explained(fake, train, status, words):
    fake.upload_status = status
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr


def test_bad_key_and_network_loss(fake, train):
    proc = ftlint("jobs", "list", fake=fake, key="sk-wrong-0123456789abcdef")
    assert proc.returncode == 2 and "authentication failed" in proc.stderr
    assert "sk-wrong" not in proc.stderr and "cdef" not in proc.stderr.replace("[redacted]", "")
    proc = ftlint("jobs", "list", "--base-url", "http://127.0.0.1:9/v1", "--max-retries", "0", key=KEY)
    assert proc.returncode == 2 and "could not reach the API" in proc.stderr


def test_jobs_commands_and_model_delete(fake, train):
    ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    (job_id,) = fake.jobs
    listing = ftlint("jobs", "list", fake=fake)
    assert job_id in listing.stdout and "validating_files" in listing.stdout
    shown = json.loads(ftlint("jobs", "show", job_id, fake=fake).stdout)
    assert shown["id"] == job_id and shown["model"] == "gpt-4o-mini"
    events = ftlint("jobs", "events", job_id, fake=fake)
    assert "Validating training file" in events.stdout
    checkpoints = ftlint("jobs", "checkpoints", job_id, fake=fake)
    assert "ckpt-step-10" in checkpoints.stdout and "step 20" in checkpoints.stdout
    cancelled = ftlint("jobs", "cancel", job_id, fake=fake)
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout and fake.jobs[job_id]["status"] == "cancelled"
    deleted = ftlint("models", "delete", "ft:gpt-4o-mini:org-test::abc123", "--yes", fake=fake)
    assert deleted.returncode == 0 and "deleted" in deleted.stdout
    assert ("DELETE", "/v1/models/ft:gpt-4o-mini:org-test::abc123") in fake.requests


def test_confirmation_is_required_without_yes(fake, train):
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", fake=fake)
    assert proc.returncode == 2 and "pass --yes" in proc.stderr and fake.requests == []


def test_ctrl_c_stops_following_without_cancelling(fake, train):
    import signal
    import time

    fake.hold_running = True
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update({"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake.base_url, "FTLINT_POLL_SECONDS": "0.05",
                "FTLINT_LOAD_PLUGINS": "ftlint-submit", "PYTHONUNBUFFERED": "1"})
    proc = subprocess.Popen([sys.executable, "-m", "linter", "submit", str(train), "--model", "gpt-4o-mini", "--yes", "--follow"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    seen = ""
    deadline = time.time() + 60
    while "Fine-tuning job started" not in seen and time.time() < deadline:
        seen += proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    OUTPUTS.append(seen + out + err)
    (job_id,) = fake.jobs
    assert proc.returncode == 130
    assert f"Resume with: ftlint jobs events {job_id} --follow" in err
    assert fake.jobs[job_id]["status"] == "running"
    assert not any(p.endswith("/cancel") for _, p in fake.requests)


# ---------------------------------------------------------------- a misbehaving server (issue 11)

FAST = ("--timeout", "1", "--max-retries", "1")  # a hanging server costs a test about a second


def test_a_same_size_edit_is_uploaded_again_not_reused(fake, train):
    first = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert first.returncode == 0, first.stderr
    old = train.read_text()
    train.write_text(old.replace("Hello!", "Howdy!"))  # same byte size, different content
    second = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert second.returncode == 0, second.stderr
    assert "reusing" not in second.stdout and len(fake.jobs) == 2
    jobs = list(fake.jobs.values())
    assert fake.contents[jobs[0]["training_file"]] == old.encode()
    assert fake.contents[jobs[1]["training_file"]] == train.read_bytes()


def test_a_renamed_copy_reuses_the_upload_of_the_same_content(fake, train, tmp_path):
    fake.fail_create = 1
    assert ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake).returncode == 2
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(train.read_bytes())
    proc = ftlint("submit", copy, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert proc.returncode == 0, proc.stderr
    assert "reusing file-" in proc.stdout and len(fake.files) == 1


def test_a_server_without_the_file_listing_gets_a_warning_and_the_upload(fake, train):
    fake.list_files_status = 404
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", fake=fake)
    assert proc.returncode == 0, proc.stderr
    assert "does not list uploaded files" in proc.stderr and "started ftjob-" in proc.stdout
    (job,) = fake.jobs.values()
    assert fake.contents[job["training_file"]] == train.read_bytes()


def test_a_hanging_server_times_out(fake, train):
    import time

    fake.hang = True
    start = time.monotonic()
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", *FAST, fake=fake)
    assert time.monotonic() - start < 30
    assert proc.returncode == 2 and "did not answer within 1 s" in proc.stderr and "--timeout" in proc.stderr
    assert "Traceback" not in proc.stderr and fake.jobs == {}
    listing = ftlint("jobs", "list", *FAST, fake=fake)
    assert listing.returncode == 2 and "did not answer within 1 s" in listing.stderr


@pytest.mark.parametrize("drops", [1, 2])
def test_uploads_cut_off_before_the_answer_leave_no_orphan_files(fake, train, drops):
    fake.drop_uploads = drops  # the server stored each attempt; the client saw the connection drop
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", *FAST, fake=fake)
    assert proc.returncode == 0, proc.stderr
    (job,) = fake.jobs.values()
    assert list(fake.files) == [job["training_file"]], proc.stdout + proc.stderr
    assert fake.contents[job["training_file"]] == train.read_bytes()


def test_a_cut_off_upload_to_a_server_without_the_listing_says_copies_may_remain(fake, train):
    fake.list_files_status = 404
    fake.drop_uploads = 1
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", "--timeout", "1", "--max-retries", "0", fake=fake)
    assert proc.returncode == 2 and len(fake.files) == 1 and fake.jobs == {}
    assert "may have stored copies" in proc.stderr and "does not list files" in proc.stderr and "Traceback" not in proc.stderr


def test_a_file_the_server_never_processes_is_given_up_on(fake, train):
    fake.never_process = True
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", "--processing-timeout", "0.5", fake=fake)
    assert proc.returncode == 2 and "has not processed" in proc.stderr and "after 0.5 s" in proc.stderr
    assert fake.jobs == {} and len(fake.files) == 1


def test_a_job_creation_cut_off_before_the_answer_is_not_called_uncreated(fake, train):
    fake.drop_creates = 1
    proc = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", *FAST, fake=fake)
    assert proc.returncode == 2 and len(fake.jobs) == 1
    assert "no job was created" not in proc.stderr and "may have been created" in proc.stderr
    again = ftlint("submit", train, "--model", "gpt-4o-mini", "--yes", *FAST, fake=fake)
    assert again.returncode == 0 and "already started" in again.stdout and len(fake.jobs) == 1


@pytest.mark.parametrize("command, key, words", [
    (("submit", "TRAIN", "--model", "gpt-4o-mini", "--yes"), KEY + "\n", "ends with a newline"),
    (("jobs", "list"), " " + KEY, "whitespace"),
    (("jobs", "list"), KEY[:-1] + "\u201d", "non-ASCII"),
])
def test_a_malformed_key_is_a_key_problem_not_a_network_error(fake, train, command, key, words):
    proc = ftlint(*(train if word == "TRAIN" else word for word in command), fake=fake, key=key)
    assert proc.returncode == 2 and "OPENAI_API_KEY" in proc.stderr and words in proc.stderr
    assert "network" not in proc.stderr and fake.requests == [] and "examples:" not in proc.stdout


def test_the_key_never_appeared_in_any_output():
    assert OUTPUTS and not any(KEY in out or KEY[8:] in out for out in OUTPUTS)
