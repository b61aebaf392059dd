"""Machine-readable formats: json, json-lines, github, sarif, junit.

The JSON object is documented in docs/output.md. SARIF is 2.1.0 (checked
against the official OASIS schema in the tests). GitHub annotations are
escaped by the rules of actions/toolkit and capped at GitHub's 10 per level
per step; the rest are counted in a final line.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import PurePath
from typing import Any

from ..baseline import identity
from ..findings import Finding, Severity
from ..text import one_line
from . import TOOL, TOOL_URI, Formatter, RunSummary


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _escaped_path(record: dict) -> dict:
    """A file name is shown as dataset text is: control characters as visible escapes."""
    return {**record, "path": one_line(record["path"])}


class JsonFormatter(Formatter):
    name = "json"
    description = "one JSON object: findings, files (with stats), summary"
    supports_statistics = True  # --statistics: "findings" is empty; files and summary (counts per rule) stay

    def __init__(self, stream, **kwargs):
        super().__init__(stream, **kwargs)
        self.count = 0
        self.stream.write('{"version": 1, "tool": ' + _dumps(TOOL) + ', "findings": [')

    def finding(self, finding: Finding) -> None:
        if self.statistics:
            return
        self.stream.write(("\n  " if not self.count else ",\n  ") + _dumps(_escaped_path(finding.to_dict())))
        self.count += 1

    def close(self, run: RunSummary) -> None:
        files = [_escaped_path(r.summary()) for r in run.files]
        self.stream.write('\n], "files": ' + _dumps(files) + ', "summary": ' + _dumps(run.to_dict()) + "}\n")


class JsonLinesFormatter(Formatter):
    name = "json-lines"
    description = "one JSON object per finding, one per line"

    def finding(self, finding: Finding) -> None:
        self.stream.write(_dumps(_escaped_path(finding.to_dict())) + "\n")


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _gh_file(path: str) -> str:
    """GitHub attaches an annotation only to a path relative to the repository root: relative to
    ``$GITHUB_WORKSPACE`` when the file is inside it, else to the working directory, else as given."""
    if path.startswith("<"):  # <stdin>, <text>: not a file
        return path
    absolute = os.path.abspath(path)
    for base in (os.environ.get("GITHUB_WORKSPACE"), os.getcwd()):
        base = os.path.abspath(base) if base else None
        try:
            if base and os.path.commonpath([absolute, base]) == base:
                return PurePath(os.path.relpath(absolute, base)).as_posix()
        except ValueError:  # another drive (Windows)
            continue
    return path


GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
GITHUB_CAP = 10  # annotations of each level GitHub shows per step


class GithubFormatter(Formatter):
    name = "github"
    description = "GitHub Actions workflow annotations (::error file=...,line=...::)"

    def __init__(self, stream, **kwargs):
        super().__init__(stream, **kwargs)
        self.shown = {level: 0 for level in GITHUB_LEVEL.values()}
        self.hidden = 0

    def finding(self, finding: Finding) -> None:
        level = GITHUB_LEVEL[finding.severity]
        if self.shown[level] >= GITHUB_CAP:
            self.hidden += 1
            return
        self.shown[level] += 1
        message = one_line(finding.message) + (f" (at {one_line(finding.pointer)})" if finding.pointer else "")
        col = f",col={finding.column}" if finding.column else ""
        props = f"file={_gh_property(one_line(_gh_file(finding.path)))},line={finding.line}{col},title={_gh_property(f'{finding.code} {finding.name}')}"
        self.stream.write(f"::{level} {props}::{_gh_data(message)}\n")

    def close(self, run: RunSummary) -> None:
        hidden = f"; {self.hidden:,} more not annotated (GitHub shows {GITHUB_CAP} per level per step)" if self.hidden else ""
        self.stream.write(
            f"ftlint: {run.total:,} finding(s): {run.errors:,} error(s){hidden}\n"
        )


SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SARIF_MAX_RESULTS = 25_000  # GitHub code scanning refuses more per run


def _uri(path: str) -> str:
    """A relative URI: control characters (and lone surrogates of non-UTF-8 names) percent-encoded."""
    return _CONTROL_OR_PERCENT.sub(_percent, PurePath(path).as_posix()) if _CONTROL_OR_PERCENT.search(path) else PurePath(path).as_posix()


_CONTROL_OR_PERCENT = re.compile(r"[%\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _percent(match: re.Match) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogateescape"))


class SarifFormatter(Formatter):
    name = "sarif"
    description = "SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps)"

    def __init__(self, stream, **kwargs):
        super().__init__(stream, **kwargs)
        self.results: list[dict] = []
        self.dropped = 0

    def finding(self, finding: Finding) -> None:
        if len(self.results) >= SARIF_MAX_RESULTS:
            self.dropped += 1
            return
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": SARIF_LEVEL[finding.severity],
            "message": {"text": one_line(finding.message)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(finding.path)},
                        "region": {"startLine": finding.line, **({"startColumn": finding.column} if finding.column else {})},
                    }
                }
            ],
            "partialFingerprints": {
                "ftlint/v1": hashlib.sha256(
                    f"{finding.path}|{finding.code}|{finding.pointer}|{identity(finding)}".encode("utf-8", "surrogatepass")
                ).hexdigest()[:32]
            },
        }
        if finding.pointer:
            result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": one_line(finding.pointer), "kind": "element"}]
            result["properties"] = {"pointer": one_line(finding.pointer)}
        if finding.fix is not None:
            # never a SARIF ``fixes`` entry: a consumer applying one bypasses ftlint's fix engine. A row removal
            # as a line deletion writes no rejects file (the row would be lost), and deletes the wrong text where
            # a line is not a row (a JSON array on one line, a CSV cell holding a newline, XLSX, Parquet); an
            # edit would need the fixed row's text, dataset text (secrets included) repeated into the report.
            result.setdefault("properties", {})["fix"] = finding.fix.to_dict()
        self.results.append(result)

    def close(self, run: RunSummary) -> None:
        codes = sorted(run.rules)
        index = {code: i for i, code in enumerate(codes)}
        rules = []
        for code in codes:
            rule = run.rules[code]
            described = {
                "id": code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.rationale() or rule.summary},
                "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity]},
            }
            url = rule.help_url()
            if url:  # a plugin rule without a url has no page: a link to ftlint's docs would be a 404
                described["helpUri"] = url
            rules.append(described)
        for result in self.results:
            result["ruleIndex"] = index[result["ruleId"]]
        run_obj: dict[str, Any] = {
            "tool": {"driver": {"name": "ftlint", "version": TOOL["version"], "informationUri": TOOL_URI, "rules": rules}},
            "results": self.results,
            "columnKind": "unicodeCodePoints",
        }
        if self.dropped:
            run_obj["properties"] = {"droppedResults": self.dropped}
        doc = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [run_obj],
        }
        json.dump(doc, self.stream, ensure_ascii=False, indent=1)
        self.stream.write("\n")


class JunitFormatter(Formatter):
    name = "junit"
    description = "JUnit XML: a test suite per file, a test case per finding (errors fail)"

    def __init__(self, stream, **kwargs):
        super().__init__(stream, **kwargs)
        self.by_path: dict[str, list[Finding]] = {}

    def finding(self, finding: Finding) -> None:
        self.by_path.setdefault(finding.path, []).append(finding)

    def close(self, run: RunSummary) -> None:
        import xml.etree.ElementTree as ET  # here: only this format writes XML (3 ms of every start otherwise)

        root = ET.Element("testsuites", name="ftlint")
        total = failures = 0
        paths = [r.path for r in run.files] or list(self.by_path)
        for raw_path in paths:
            findings = self.by_path.get(raw_path, [])
            path = one_line(raw_path)  # a control character in a file name would make the XML unparseable
            suite = ET.SubElement(root, "testsuite", name=path)
            fails = 0
            for f in findings:
                case = ET.SubElement(suite, "testcase", classname=path, name=f"{f.code} {f.name} line {f.line}", file=path, line=str(f.line))
                text = f"{path}:{f.location}: {f.code} [{f.name}] {one_line(f.message)}" + (f" (at {one_line(f.pointer)})" if f.pointer else "")
                if f.severity is Severity.ERROR:
                    fails += 1
                    failure = ET.SubElement(case, "failure", message=one_line(f.message), type=f.code)
                    failure.text = text
                else:
                    ET.SubElement(case, "system-out").text = f"{f.severity.value}: {text}"
            if not findings:
                ET.SubElement(suite, "testcase", classname=path, name="ftlint")
            count = max(1, len(findings))
            suite.set("tests", str(count))
            suite.set("failures", str(fails))
            suite.set("errors", "0")
            total += count
            failures += fails
        root.set("tests", str(total))
        root.set("failures", str(failures))
        root.set("errors", "0")
        ET.indent(root)
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")
