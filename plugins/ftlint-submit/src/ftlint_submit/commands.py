"""The commands: submit, jobs (list, show, events, cancel, checkpoints), models delete."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import click

from linter.prices import price_for
from linter.stats import estimate_epochs
from linter.text import one_line

from .client import DEFAULT_RETRIES, DEFAULT_TIMEOUT, SubmitError, explain, make_client, outcome_unknown, redact, require_key, unlisted
from .gate import METHOD_PROFILE, lint_gate

TERMINAL = {"succeeded", "failed", "cancelled"}
TAG = "ftlint_submission"


def poll_seconds() -> float:
    return float(os.environ.get("FTLINT_POLL_SECONDS", "5"))


def echo(text: str = "", err: bool = False) -> None:
    click.echo(redact(text), err=err)


def estimate(summary: dict, model: str, method: str, epochs: int | None) -> dict:
    """Examples, epochs, billing tokens and cost; ``billing_tokens`` is None when the lint counted none
    (the OpenAI estimate does not apply: an Azure profile; or no example was counted)."""
    tokens = summary.get("tokens") or {}
    examples = summary.get("examples", 0)
    per_epoch = tokens.get("billing_tokens_per_epoch")
    n_epochs = epochs or estimate_epochs(examples)
    billing = None if per_epoch is None else per_epoch * n_epochs
    price = price_for(model) if method != "reinforcement" else None
    cost = None if price is None or billing is None else billing / 1_000_000 * price.usd_per_million
    return {"examples": examples, "epochs": n_epochs, "billing_tokens": billing, "cost_usd": cost, "price": price}


def print_estimate(est: dict, model: str) -> None:
    echo(f"examples:        {est['examples']:,}")
    echo(f"epochs:          {est['epochs']}" + ("" if est.get("explicit") else " (cookbook heuristic; --epochs to set)"))
    if est["billing_tokens"] is None:
        echo("billing tokens:  unknown (no tokens were counted for OpenAI's billing estimate)")
        echo("estimated cost:  unknown")
        return
    echo(f"billing tokens:  {est['billing_tokens']:,}")
    if est["cost_usd"] is None:
        echo(f"estimated cost:  unknown (no token price for {model})")
    else:
        price = est["price"]
        echo(f"estimated cost:  ${est['cost_usd']:,.2f} (at ${price.usd_per_million:g} per 1M training tokens, prices as of {price.as_of})")


# ---------------------------------------------------------------- upload


def submission_tag(paths: list[str], options: dict) -> str:
    """Same files + same options = same tag: a retried submit finds the job it already started."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:24]


def content_digest(path: str) -> str:
    """The file's SHA-256 (128 bits of it): an earlier upload is reused only when its content is the same."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def upload_name(path: str, digest: str) -> str:
    """``train.jsonl`` goes up as ``train.ftlint-<hash>.jsonl``: the server's listing then tells which content it holds."""
    local = Path(path)
    return f"{local.stem}.ftlint-{digest}{local.suffix}"


def same_content(client, digest: str) -> list | None:
    """Fine-tune files on the server holding this content (by the hash in their name); None if the server lists no files."""
    try:
        return [item for item in client.files.list(purpose="fine-tune") if f".ftlint-{digest}" in (item.filename or "")]
    except Exception as exc:  # noqa: BLE001
        if unlisted(exc):
            return None
        raise explain(exc, "listing uploaded files") from None


def reusable(items: list, size: int) -> list:
    """Complete copies (the server's size matches) that the server did not reject, processed ones first."""
    good = [item for item in items if item.bytes == size and getattr(item, "status", "processed") != "error"]
    return sorted(good, key=lambda item: getattr(item, "status", "processed") != "processed")


def remove_copies(client, path: str, items: list) -> None:
    """Delete copies left by attempts whose answer was lost (the server stored the file, the client never heard)."""
    removed = 0
    for item in items:
        try:
            client.files.delete(item.id)
            removed += 1
        except Exception as exc:  # noqa: BLE001
            echo(f"warning: could not delete {item.id}, a second copy of {path}: {explain(exc, 'deleting').format_message()}", err=True)
    if removed:
        echo(f"deleted {removed} extra cop{'y' if removed == 1 else 'ies'} of {path} left on the server by dropped connections")


def send(client, path: str, digest: str, before: list | None, size: int):
    """Upload once (the SDK retries); if the answer never came, look for the copy the server may have stored.

    Afterwards, copies of this content that appeared during the upload (each
    retried attempt whose answer was lost leaves one) are deleted, so one submit
    leaves one file however often the connection dropped.
    """
    try:
        with open(path, "rb") as handle:
            item = client.files.create(file=(upload_name(path, digest), handle), purpose="fine-tune")
    except Exception as exc:  # noqa: BLE001
        if not outcome_unknown(exc):
            raise explain(exc, f"uploading {path}") from None
        if before is None:
            error = explain(exc, f"uploading {path}").format_message()
            raise SubmitError(f"{error}. The server may have stored copies of {path}; it does not list files, so ftlint cannot find them to reuse or delete") from None
        stored = reusable(same_content(client, digest) or [], size)
        if not stored:
            raise explain(exc, f"uploading {path}") from None
        item = stored[0]
        echo(f"the answer to the upload was lost, but the server stored it as {item.id}; using that")
    if before is not None:
        known = {old.id for old in before} | {item.id}
        remove_copies(client, path, [other for other in same_content(client, digest) or [] if other.id not in known])
    return item


def upload(client, path: str, processing_timeout: float):
    digest = content_digest(path)
    size = os.path.getsize(path)
    before = same_content(client, digest)
    if before is None:
        echo("warning: the server does not list uploaded files; uploading without looking for an earlier upload of the same content", err=True)
    earlier = reusable(before or [], size)
    if earlier:
        item = earlier[0]
        echo(f"reusing {item.id} ({item.filename}, the same content uploaded earlier)")
    else:
        item = send(client, path, digest, before, size)
        echo(f"uploaded {path} as {item.id}; waiting for the server to process it")
    give_up = time.monotonic() + processing_timeout
    while getattr(item, "status", "processed") not in ("processed", "error"):
        if time.monotonic() > give_up:
            raise SubmitError(f"the server has not processed {path} ({item.id}) after {processing_timeout:g} s "
                              "(--processing-timeout); re-run the same command later: the upload is reused, no job was created")
        time.sleep(poll_seconds())
        try:
            item = client.files.retrieve(item.id)
        except Exception as exc:  # noqa: BLE001
            raise explain(exc, f"checking {item.id}") from None
    if item.status == "error":
        details = getattr(item, "status_details", None) or "no details given"
        raise SubmitError(f"the server rejected {path} ({item.id}): {details}")
    return item


# ---------------------------------------------------------------- job


def method_payload(method: str, hyper: dict, grader: dict | None) -> dict:
    body: dict = {"hyperparameters": hyper} if hyper else {}
    if method == "reinforcement":
        body["grader"] = grader
    return {"type": method, method: body}


def existing_job(client, tag: str):
    try:
        for job in client.fine_tuning.jobs.list(metadata={TAG: tag}, limit=20):
            if (job.metadata or {}).get(TAG) == tag and job.status not in ("failed", "cancelled"):
                return job
    except Exception as exc:  # noqa: BLE001
        raise explain(exc, "looking for a job this submission already started") from None
    return None


def connection_options(command):
    """--base-url, --timeout and --max-retries, shared by every command that talks to the API."""
    command = click.option("--max-retries", type=click.IntRange(min=0), default=DEFAULT_RETRIES, show_default=True,
                           help="Retries of a failed request (never of the job creation, which could start a second job).")(command)
    command = click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT, show_default=True, metavar="SECONDS",
                           help="Give up on a request after this many seconds without an answer or progress.")(command)
    return click.option("--base-url", help="Any OpenAI-compatible endpoint (or set OPENAI_BASE_URL), e.g. Azure OpenAI's .../openai/v1/.")(command)


@click.command()
@click.argument("train", type=click.Path(exists=True, dir_okay=False))
@click.option("--model", required=True, help="Base model, e.g. gpt-4o-mini-2024-07-18.")
@click.option("--validation-file", type=click.Path(exists=True, dir_okay=False))
@click.option("--suffix", help="Up to 64 characters added to the fine-tuned model's name.")
@click.option("--method", type=click.Choice(sorted(METHOD_PROFILE)), default="supervised", show_default=True)
@click.option("--profile", help="The ftlint profile to lint with (default: the configured one, else the method's: "
              "openai-sft, openai-dpo or openai-rft); azure-openai for Azure OpenAI.")
@click.option("--epochs", type=click.IntRange(min=1), help="n_epochs (default: the server's choice, estimated by the cookbook heuristic).")
@click.option("--batch-size", type=click.IntRange(min=1))
@click.option("--learning-rate-multiplier", type=click.FloatRange(min=0, min_open=True))
@click.option("--seed", type=int)
@click.option("--grader", type=click.Path(exists=True, dir_okay=False), help="Grader JSON (reinforcement).")
@click.option("--metadata", "metadata_items", multiple=True, metavar="KEY=VALUE", help="Job metadata (repeatable).")
@click.option("--follow", is_flag=True, help="Print the job's events until it finishes.")
@click.option("--dry-run", is_flag=True, help="Lint and estimate; send nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--processing-timeout", type=click.FloatRange(min=0, min_open=True), default=1800, show_default=True, metavar="SECONDS",
              help="How long to wait for the server to process an uploaded file.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Hide findings recorded in this baseline file (as 'ftlint check --baseline').")
@connection_options
def submit(train, model, validation_file, suffix, method, profile, epochs, batch_size, learning_rate_multiplier, seed, grader,
           metadata_items, follow, dry_run, yes, processing_timeout, baseline_file, base_url, timeout, max_retries):
    """Lint, estimate, upload and start a fine-tuning job (refuses when the lint finds errors)."""
    if not dry_run:
        require_key()
    metadata = {}
    for item in metadata_items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SubmitError(f"--metadata takes KEY=VALUE, got {item!r}")
        metadata[key] = value
    if method == "reinforcement" and not grader:
        raise SubmitError("--method reinforcement needs --grader FILE (the grader as JSON)")
    try:
        grader_obj = json.loads(Path(grader).read_text(encoding="utf-8")) if grader else None
    except (ValueError, OSError) as exc:  # not JSON, not UTF-8, unreadable: one line, not a traceback
        raise SubmitError(f"--grader {one_line(str(grader))} is not a readable JSON file: {one_line(str(exc))}") from None
    paths = [train] + ([validation_file] if validation_file else [])

    summary = lint_gate(train, validation_file, method, model, echo, baseline_file, profile)
    est = estimate(summary, model, method, epochs)
    est["explicit"] = bool(epochs)
    print_estimate(est, model)
    if dry_run:
        echo("dry run: nothing was sent.")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise SubmitError("not asking for confirmation on a non-interactive input; pass --yes")
        click.confirm("Upload and start the job?", abort=True)

    hyper = {k: v for k, v in (("n_epochs", epochs), ("batch_size", batch_size), ("learning_rate_multiplier", learning_rate_multiplier)) if v is not None}
    options = {"model": model, "method": method, "hyper": hyper, "suffix": suffix, "seed": seed, "metadata": metadata, "grader": grader_obj}
    tag = submission_tag(paths, options)
    client = make_client(base_url, timeout, max_retries)
    job = existing_job(client, tag)
    if job is not None:
        echo(f"this submission already started {job.id} (status {job.status}); not starting another")
    else:
        training = upload(client, train, processing_timeout)
        validation = upload(client, validation_file, processing_timeout) if validation_file else None
        create = {"model": model, "training_file": training.id, "method": method_payload(method, hyper, grader_obj), "metadata": {**metadata, TAG: tag}}
        if validation is not None:
            create["validation_file"] = validation.id
        if suffix:
            create["suffix"] = suffix
        if seed is not None:
            create["seed"] = seed
        try:
            # no automatic retry: a retried create could start a second job
            job = client.with_options(max_retries=0).fine_tuning.jobs.create(**create)
        except Exception as exc:  # noqa: BLE001
            files = training.id + (f" and {validation.id}" if validation is not None else "")
            error = explain(exc, "creating the job").format_message()
            if outcome_unknown(exc):  # the request may have arrived: only the answer is known to be lost
                raise SubmitError(
                    f"{error}. Uploaded {files}; the job may have been created (no answer came back). "
                    "Re-run the same command: it finds a job this submission started before starting one, and reuses the files."
                ) from None
            raise SubmitError(
                f"{error}. Uploaded {files}, but no job was created. "
                "Re-run the same command to continue: the processed files are reused and no job is duplicated."
            ) from None
        echo(f"started {job.id} (status {job.status})")
    if follow:
        follow_job(client, job.id)
    else:
        echo(f"follow it with: ftlint jobs events {job.id} --follow")


# ---------------------------------------------------------------- following


def new_events(client, job_id: str, seen: set[str]) -> list:
    """Events not yet printed, oldest first (the API pages newest first)."""
    fresh = []
    after = None
    while True:
        try:
            page = client.fine_tuning.jobs.list_events(job_id, after=after, limit=50) if after else client.fine_tuning.jobs.list_events(job_id, limit=50)
        except Exception as exc:  # noqa: BLE001
            raise explain(exc, f"reading events of {job_id}") from None
        data = list(page.data)
        stop = False
        for event in data:
            if event.id in seen:
                stop = True
                break
            fresh.append(event)
        if stop or not data or not getattr(page, "has_more", False):
            break
        after = data[-1].id
    fresh.reverse()
    for event in fresh:
        seen.add(event.id)
    return fresh


def print_event(event) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(event.created_at)) if getattr(event, "created_at", None) else ""
    echo(f"{stamp} {event.level}: {one_line(event.message)}")


def follow_job(client, job_id: str) -> None:
    seen: set[str] = set()
    try:
        while True:
            for event in new_events(client, job_id, seen):
                print_event(event)
            try:
                job = client.fine_tuning.jobs.retrieve(job_id)
            except Exception as exc:  # noqa: BLE001
                raise explain(exc, f"checking {job_id}") from None
            if job.status in TERMINAL:
                for event in new_events(client, job_id, seen):
                    print_event(event)
                break
            time.sleep(poll_seconds())
    except KeyboardInterrupt:
        echo(f"\nstopped following; {job_id} keeps running. Resume with: ftlint jobs events {job_id} --follow", err=True)
        sys.exit(130)
    if job.status == "succeeded":
        echo(f"{job_id} succeeded: fine-tuned model {job.fine_tuned_model}")
        return
    error = getattr(job, "error", None)
    detail = f": {getattr(error, 'message', None) or error}" if error else ""
    raise SubmitError(f"{job_id} {job.status}{detail}")


# ---------------------------------------------------------------- jobs, models


def api(doing: str, call, *args, **kwargs):
    """Make one SDK call; any failure becomes a one-line SubmitError saying what was being done."""
    try:
        return call(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        raise explain(exc, doing) from None


@click.group()
def jobs():
    """Fine-tuning jobs: list, show, events, cancel, checkpoints."""


@jobs.command(name="list")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@connection_options
def jobs_list(limit, base_url, timeout, max_retries):
    """The most recent jobs."""
    client = make_client(base_url, timeout, max_retries)
    for job in api("listing jobs", client.fine_tuning.jobs.list, limit=limit).data:
        echo(f"{job.id}  {job.status:<16} {job.model}  {job.fine_tuned_model or ''}")


@jobs.command(name="show")
@click.argument("job_id")
@connection_options
def jobs_show(job_id, base_url, timeout, max_retries):
    """One job as JSON."""
    client = make_client(base_url, timeout, max_retries)
    job = api(f"reading {job_id}", client.fine_tuning.jobs.retrieve, job_id)
    echo(json.dumps(job.model_dump(mode="json", exclude_none=True), indent=2))


@jobs.command(name="events")
@click.argument("job_id")
@click.option("--follow", is_flag=True, help="Keep printing until the job finishes.")
@connection_options
def jobs_events(job_id, follow, base_url, timeout, max_retries):
    """A job's events, oldest first."""
    client = make_client(base_url, timeout, max_retries)
    if follow:
        follow_job(client, job_id)
        return
    for event in new_events(client, job_id, set()):
        print_event(event)


@jobs.command(name="cancel")
@click.argument("job_id")
@connection_options
def jobs_cancel(job_id, base_url, timeout, max_retries):
    """Cancel a job."""
    client = make_client(base_url, timeout, max_retries)
    job = api(f"cancelling {job_id}", client.fine_tuning.jobs.cancel, job_id)
    echo(f"{job.id}: {job.status}")


@jobs.command(name="checkpoints")
@click.argument("job_id")
@connection_options
def jobs_checkpoints(job_id, base_url, timeout, max_retries):
    """A job's checkpoints (model names you can use or delete)."""
    client = make_client(base_url, timeout, max_retries)
    for cp in api(f"reading checkpoints of {job_id}", client.fine_tuning.jobs.checkpoints.list, job_id).data:
        echo(f"{cp.id}  step {cp.step_number}  {cp.fine_tuned_model_checkpoint}")


@click.command(name="delete")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@connection_options
def models_delete(name, yes, base_url, timeout, max_retries):
    """Delete a fine-tuned model."""
    client = make_client(base_url, timeout, max_retries)
    if not yes:
        if not sys.stdin.isatty():
            raise SubmitError("not asking for confirmation on a non-interactive input; pass --yes")
        click.confirm(f"Delete {name}?", abort=True)
    result = api(f"deleting {name}", client.models.delete, name)
    echo(f"{result.id}: {'deleted' if result.deleted else 'not deleted'}")
