"""The verdict: a table for people, JUnit XML for CI, JSON for machines, and what the run covered."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockcc_contracts.record import event_of, items

if TYPE_CHECKING:
    from mockcc_contracts.harness import Harness

JSON = dict[str, Any]
SERVICE_NAMES = {
    "csds": "CSDS (domain discovery)",
    "sentinel": "Sentinel (AppJWT)",
    "idp": "IdP (ConsumerJWS)",
    "appinstall": "App Installation",
    "swift": "Swift (files)",
}
TITLE_WIDTH = 50


@dataclass(frozen=True, slots=True)
class Result:
    """One contract's verdict. ``outcome``: pass | fail | error | blocked (a prerequisite failed) | skip."""

    id: str
    level: str
    title: str
    description: str
    outcome: str
    seconds: float
    reason: str = ""
    evidence: list[str] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)  # the set-up calls (first text, agent join) of a failure
    output: list[str] = field(default_factory=list)  # the connector's output lines while it ran
    blocked_by: str = ""

    @property
    def broken(self) -> bool:
        return self.outcome in ("fail", "error")


def _shape(lines: list[str]) -> tuple[str, ...]:
    """A set-up's calls without ids and times: ``200 idp POST``; equal shapes are shown once."""
    return tuple(" ".join(line.split()[3:6]) for line in lines)


@dataclass(frozen=True, slots=True)
class Report:
    results: list[Result]
    covered: JSON
    seconds: float
    strict: bool = False  # SHOULD failures count like MUST failures (exit status, JUnit <failure>)

    @property
    def must_failed(self) -> list[Result]:
        return [r for r in self.results if r.broken and (r.level == "MUST" or self.strict)]

    @property
    def exit_code(self) -> int:
        """1 when a MUST failed (or erred), or with ``strict`` any contract; SHOULD failures are reported."""
        return 1 if self.must_failed else 0

    def counts(self) -> Counter[str]:
        return Counter(r.outcome for r in self.results)

    def table(self) -> str:
        """The summary table (titles wrap), the evidence of every failure, the coverage, the counts."""
        header = ("ID", "LEVEL", "TITLE", "RESULT", "WHY")
        widths = [max(len(header[0]), *(len(r.id) for r in self.results)), 6, TITLE_WIDTH, 7]
        lines = ["  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(header))]
        lines.append("-" * (sum(widths) + 8 + 50))
        for r in self.results:
            title = textwrap.wrap(r.title, TITLE_WIDTH) or [""]
            cells = (r.id, r.level, title[0], r.outcome.upper(), _cut(r.reason or "-", 70))
            lines.append("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(cells)).rstrip())
            lines += [" " * (widths[0] + widths[1] + 4) + more for more in title[1:]]
        shown: dict[tuple[str, ...], str] = {}
        for r in self.results:
            if r.outcome not in ("fail", "error", "blocked"):
                continue
            if r.outcome == "blocked" and not (r.evidence or r.setup):  # not run: the prerequisite says it all
                lines += ["", f"{r.id} BLOCKED ({r.level}): {r.title}", f"  why: {r.reason}"]
                continue
            lines += [
                "",
                f"{r.id} {r.outcome.upper()} ({r.level}): {r.title}",
                f"  {r.description}",
                f"  why: {r.reason}",
            ]
            if r.setup:
                first = shown.setdefault(_shape(r.setup), r.id)
                if first == r.id:
                    lines += ["    set-up:"] + [f"      {e}" for e in r.setup]
                else:
                    lines.append(f"    set-up: the same {len(r.setup)} calls as {first} (see there)")
            lines += [f"    {e}" for e in r.evidence]
            if r.output:
                lines += [f"    connector output ({len(r.output)} lines while it ran):"]
                lines += [f"      | {o}" for o in r.output[-20:]]
        lines += ["", "The run covered:"]
        for name, values in self.covered.items():
            shown_values = (
                [f"{k} x{v}" for k, v in values.items()] if isinstance(values, dict) else [str(v) for v in values]
            )
            lines.append(f"  {name}: " + (", ".join(shown_values) or "-"))
        c = self.counts()
        should = [r for r in self.results if r.broken and r.level == "SHOULD"]
        lines += [
            "",
            f"{len(self.results)} contracts in {self.seconds:.1f}s: {c['pass']} passed, {c['fail']} failed, "
            f"{c['error']} errors, {c['blocked']} blocked, {c['skip']} skipped; "
            f"{len([r for r in self.results if r.broken and r.level == 'MUST'])} MUST broken, "
            f"{len(should)} SHOULD not met{' (--strict: they count)' if self.strict and should else ''}",
        ]
        return "\n".join(lines)

    def as_dict(self) -> JSON:
        return {
            "results": [asdict(r) for r in self.results],
            "covered": self.covered,
            "seconds": self.seconds,
            "counts": dict(self.counts()),
            "strict": self.strict,
            "exit_code": self.exit_code,
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def _junit_kind(self, r: Result) -> str:
        """failure | error | skipped | "" : a SHOULD not met is ``skipped`` (exit status 0) unless strict."""
        if r.outcome == "error":
            return "error" if r.level == "MUST" or self.strict else "skipped"
        if r.outcome == "fail":
            return "failure" if r.level == "MUST" or self.strict else "skipped"
        return "skipped" if r.outcome in ("skip", "blocked") else ""

    def write_junit(self, path: Path) -> None:
        """JUnit XML: one testcase per contract (classname = level, full title); the verdict as a property;
        MUST failures ``<failure>``, SHOULD not met and BLOCKED ``<skipped>`` with the reason; the evidence
        and the connector's output while it ran in the testcase's ``<system-out>``."""
        kinds = [self._junit_kind(r) for r in self.results]
        suite = ET.Element(
            "testsuite",
            name="mockcc contracts",
            tests=str(len(self.results)),
            failures=str(kinds.count("failure")),
            errors=str(kinds.count("error")),
            skipped=str(kinds.count("skipped")),
            time=f"{self.seconds:.2f}",
        )
        for r, kind in zip(self.results, kinds, strict=True):
            case = ET.SubElement(
                suite, "testcase", classname=f"mockcc.{r.level}", name=f"{r.id} {r.title}", time=f"{r.seconds:.2f}"
            )
            props = ET.SubElement(case, "properties")
            ET.SubElement(props, "property", name="level", value=r.level)
            ET.SubElement(props, "property", name="verdict", value=r.outcome)
            if r.blocked_by:
                ET.SubElement(props, "property", name="blocked_by", value=r.blocked_by)
            if kind == "skipped":
                prefix = "SHOULD not met: " if r.outcome in ("fail", "error") else ""
                ET.SubElement(case, "skipped", message=prefix + r.reason)
            elif kind:
                node = ET.SubElement(case, kind, message=r.reason)
                node.text = "\n".join([r.description, "", *r.setup, *r.evidence])
            text = [*(["evidence:", *r.setup, *r.evidence] if kind == "skipped" and r.evidence else [])]
            if r.output:
                text += ["connector output while it ran:", *r.output]
            if text:
                ET.SubElement(case, "system-out").text = "\n".join(text)
        ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def coverage(h: Harness) -> JSON:
    """Which LivePerson operations, notification types and faults the connector met during the run."""
    operations: Counter[str] = Counter()
    for call in h.history:
        service = call["service"]
        if service in SERVICE_NAMES:
            operations[SERVICE_NAMES[service]] += 1
        elif service in ("send", "conversation"):
            for item in items(call):
                kind = str(item.get("type"))
                event = event_of(item).get("type")
                operations[f"{service.upper()} {kind}{' ' + str(event) if event else ''}"] += 1
    notifications: Counter[str] = Counter(
        str(d["event_key"]).rsplit(".", 1)[-1] for d in h.delivery_history if d["outcome"] == "delivered"
    )
    return {
        "LivePerson operations": dict(sorted(operations.items())),
        "notification types delivered": dict(sorted(notifications.items())),
        "faults exercised": sorted(h.faults_armed),
    }
