"""A stateful stand-in for the OpenAI fine-tuning API, on a real HTTP server (pytest-httpserver).

It speaks the documented wire format closely enough for the official SDK:
files move from ``uploaded`` to ``processed`` (or ``error``), jobs move from
``validating_files`` through ``queued`` and ``running`` to a terminal state,
one step per retrieve, and events page newest first with ``after`` cursors.

It can also misbehave as real servers do: answer 404 to the file listing (as
some compatible servers do), hang without answering, or store an upload (or
create a job) and then drop the connection before the answer, which is how
orphan files come about.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import threading
import time

from werkzeug import Request, Response

KEY = "sk-test-9f8e7d6c5b4a39281706"


class FakeOpenAI:
    def __init__(self, httpserver):
        self.server = httpserver
        self.files: dict[str, dict] = {}
        self.jobs: dict[str, dict] = {}
        self.events: dict[str, list[dict]] = {}
        self.ids = itertools.count(1)
        self.outcome = "succeeded"  # or "failed"
        self.reject_files = False
        self.fail_create = 0  # answer the next N job creations with 500
        self.upload_status = None  # e.g. 413 or 429 for the next upload
        self.steps = 3
        self.hold_running = False  # keep a running job running (to interrupt a follower)
        self.requests: list[tuple[str, str]] = []
        self.contents: dict[str, bytes] = {}  # what each upload carried, to tell a stale file from a fresh one
        self.list_files_status = None  # e.g. 404: a server without the file listing
        self.hang = False  # never answer (until the test ends)
        self.drop_uploads = 0  # store the next N uploads, then drop the connection without answering
        self.never_process = False  # uploads stay "uploaded" forever
        self.drop_creates = 0  # create the next N jobs, then drop the connection without answering
        self._released = threading.Event()
        routes = [
            ("POST", r"/v1/files", self.create_file),
            ("GET", r"/v1/files", self.list_files),
            ("GET", r"/v1/files/(?P<id>[^/]+)", self.get_file),
            ("DELETE", r"/v1/files/(?P<id>[^/]+)", self.delete_file),
            ("POST", r"/v1/fine_tuning/jobs", self.create_job),
            ("GET", r"/v1/fine_tuning/jobs", self.list_jobs),
            ("GET", r"/v1/fine_tuning/jobs/(?P<id>[^/]+)/events", self.list_events),
            ("GET", r"/v1/fine_tuning/jobs/(?P<id>[^/]+)/checkpoints", self.list_checkpoints),
            ("POST", r"/v1/fine_tuning/jobs/(?P<id>[^/]+)/cancel", self.cancel_job),
            ("GET", r"/v1/fine_tuning/jobs/(?P<id>[^/]+)", self.get_job),
            ("DELETE", r"/v1/models/(?P<id>[^/]+)", self.delete_model),
        ]
        for method, pattern, handler in routes:
            regex = re.compile("^" + pattern + "$")
            httpserver.expect_request(regex, method=method).respond_with_handler(self._wrap(regex, handler))

    @property
    def base_url(self) -> str:
        return self.server.url_for("/v1")

    def _wrap(self, regex, handler):
        def respond(request: Request) -> Response:
            self.requests.append((request.method, request.path))
            if self.hang:
                self._released.wait(30)  # the test's end releases it; the client must have given up long before
                return self._json({"error": {"message": "too late"}}, 504)
            if request.headers.get("Authorization") != f"Bearer {KEY}":
                given = request.headers.get("Authorization", "")[7:]
                # like the real API, echo a masked key: ftlint must not print even that
                return self._json({"error": {"message": f"Incorrect API key provided: {given[:8]}***{given[-4:]}", "type": "invalid_request_error", "code": "invalid_api_key"}}, 401)
            match = regex.match(request.path)
            return handler(request, **match.groupdict())

        return respond

    def release(self) -> None:
        """End any hanging answer (called when the test ends)."""
        self._released.set()

    @staticmethod
    def _drop(request: Request, response: Response) -> Response:
        """Cut the connection after the work is done and before the answer: the client sees a dropped connection."""
        request.environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        return response

    @staticmethod
    def _json(body, status=200, headers=None):
        return Response(json.dumps(body), status=status, content_type="application/json", headers=headers or {})

    def _id(self, prefix):
        return f"{prefix}-{next(self.ids):06d}abc"

    # files
    def create_file(self, request):
        if self.upload_status:  # stays until cleared: the SDK's own retries see it too
            status = self.upload_status
            return self._json({"error": {"message": "Request Entity Too Large" if status == 413 else "Rate limit reached", "type": "requests"}}, status, {"retry-after-ms": "10"})
        upload = request.files["file"]
        data = upload.read()
        item = {"id": self._id("file"), "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": upload.filename, "purpose": request.form["purpose"], "status": "uploaded"}
        self.files[item["id"]] = item
        self.contents[item["id"]] = data
        if self.drop_uploads:
            self.drop_uploads -= 1
            return self._drop(request, self._json(item))
        return self._json(item)

    def list_files(self, request):
        if self.list_files_status:
            return self._json({"error": {"message": "Not Found", "type": "invalid_request_error"}}, self.list_files_status)
        items = [f for f in self.files.values() if f["purpose"] == request.args.get("purpose", f["purpose"])]
        return self._json({"object": "list", "data": items, "has_more": False})

    def get_file(self, request, id):
        item = self.files[id]
        if item["status"] == "uploaded" and not self.never_process:
            if self.reject_files:
                item["status"] = "error"
                item["status_details"] = 'Invalid file format. Line 2, key "messages": at least one message must be from the assistant.'
            else:
                item["status"] = "processed"
        return self._json(item)

    def delete_file(self, request, id):
        self.files.pop(id)
        self.contents.pop(id)
        return self._json({"id": id, "object": "file", "deleted": True})

    # jobs
    def _event(self, job_id, message, level="info"):
        self.events[job_id].append({"id": self._id("ftevent"), "object": "fine_tuning.job.event", "created_at": int(time.time()),
                                    "level": level, "message": message, "type": "message"})

    def create_job(self, request):
        if self.fail_create:
            self.fail_create -= 1
            return self._json({"error": {"message": "The server had an error while processing your request.", "type": "server_error"}}, 500)
        body = json.loads(request.data)
        job = {"id": self._id("ftjob"), "object": "fine_tuning.job", "created_at": int(time.time()), "model": body["model"],
               "training_file": body["training_file"], "validation_file": body.get("validation_file"), "status": "validating_files",
               "fine_tuned_model": None, "finished_at": None, "error": None, "hyperparameters": {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"},
               "method": body.get("method"), "metadata": body.get("metadata"), "organization_id": "org-test", "result_files": [],
               "seed": body.get("seed", 42), "trained_tokens": None, "suffix": body.get("suffix")}
        self.jobs[job["id"]] = job
        self.events[job["id"]] = []
        self._event(job["id"], f"Validating training file: {body['training_file']}")
        if self.drop_creates:
            self.drop_creates -= 1
            return self._drop(request, self._json(job))
        return self._json(job)

    def list_jobs(self, request):
        wanted = {k[len("metadata["):-1]: v for k, v in request.args.items() if k.startswith("metadata[")}
        jobs = [j for j in reversed(list(self.jobs.values())) if all((j["metadata"] or {}).get(k) == v for k, v in wanted.items())]
        return self._json({"object": "list", "data": jobs[: int(request.args.get("limit", 20))], "has_more": False})

    def get_job(self, request, id):
        job = self.jobs[id]
        status = job["status"]
        if status == "validating_files":
            job["status"] = "queued"
            self._event(id, "Files validated, moving job to queued state")
        elif status == "queued":
            job["status"] = "running"
            self._event(id, "Fine-tuning job started")
        elif status == "running" and not self.hold_running:
            for step in range(1, self.steps + 1):
                self._event(id, f"Step {step}/{self.steps}: training loss={1.0 / step:.2f}", "info")
            if self.outcome == "succeeded":
                job["status"] = "succeeded"
                job["fine_tuned_model"] = f"ft:{job['model']}:org-test::abc123"
                self._event(id, "The job has successfully completed")
            else:
                job["status"] = "failed"
                job["error"] = {"code": "invalid_training_file", "message": "Training file has too few examples.", "param": "training_file"}
                self._event(id, "Fine-tuning job failed", "error")
        return self._json(job)

    def list_events(self, request, id):
        events = list(reversed(self.events[id]))  # newest first
        after = request.args.get("after")
        if after:
            ids = [e["id"] for e in events]
            events = events[ids.index(after) + 1 :]
        limit = int(request.args.get("limit", 20))
        return self._json({"object": "list", "data": events[:limit], "has_more": len(events) > limit})

    def cancel_job(self, request, id):
        job = self.jobs[id]
        job["status"] = "cancelled"
        self._event(id, "Fine-tuning job cancelled")
        return self._json(job)

    def list_checkpoints(self, request, id):
        data = [{"id": f"ftckpt-{n}", "object": "fine_tuning.job.checkpoint", "created_at": 1, "fine_tuned_model_checkpoint": f"ft:gpt-4o-mini:org-test::abc123:ckpt-step-{n}",
                 "fine_tuning_job_id": id, "metrics": {"step": n, "train_loss": 0.5}, "step_number": n} for n in (10, 20)]
        return self._json({"object": "list", "data": data, "has_more": False, "first_id": "ftckpt-10", "last_id": "ftckpt-20"})

    def delete_model(self, request, id):
        return self._json({"id": id, "object": "model", "deleted": True})
