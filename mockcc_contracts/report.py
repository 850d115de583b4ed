"""The verdict: a table for people, JUnit XML for CI, JSON for machines, and what the run covered."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockcc_contracts.harness import event_of, items

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


@dataclass(frozen=True, slots=True)
class Result:
    id: str
    level: str
    title: str
    description: str
    outcome: str  # pass | fail | skip | error
    seconds: float
    reason: str = ""
    evidence: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return self.outcome in ("fail", "error")


@dataclass(frozen=True, slots=True)
class Report:
    results: list[Result]
    covered: JSON
    seconds: float

    @property
    def must_failed(self) -> list[Result]:
        return [r for r in self.results if r.broken and r.level == "MUST"]

    @property
    def exit_code(self) -> int:
        """1 when a MUST failed (or erred); SHOULD failures are reported, not fatal."""
        return 1 if self.must_failed else 0

    def counts(self) -> Counter[str]:
        return Counter(r.outcome for r in self.results)

    def table(self) -> str:
        """The summary table, then the evidence of every failure, then the coverage."""
        rows = [("ID", "LEVEL", "TITLE", "RESULT", "EVIDENCE")]
        for r in self.results:
            rows.append((r.id, r.level, r.title[:58], r.outcome.upper(), (r.reason or "-")[:70]))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = ["  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)) for row in rows]
        lines.insert(1, "-" * min(160, sum(widths) + 80))
        for r in self.results:
            if r.broken:
                lines += ["", f"{r.id} {r.outcome.upper()}: {r.title}", f"  {r.description}", f"  why: {r.reason}"]
                lines += [f"    {e}" for e in r.evidence]
        lines += ["", "The run covered:"]
        for name, values in self.covered.items():
            shown = [f"{k} x{v}" for k, v in values.items()] if isinstance(values, dict) else [str(v) for v in values]
            lines.append(f"  {name}: " + (", ".join(shown) or "-"))
        c = self.counts()
        lines += [
            "",
            f"{len(self.results)} contracts in {self.seconds:.1f}s: {c['pass']} passed, {c['fail']} failed, "
            f"{c['error']} errors, {c['skip']} skipped; {len(self.must_failed)} MUST broken",
        ]
        return "\n".join(lines)

    def as_dict(self) -> JSON:
        return {
            "results": [asdict(r) for r in self.results],
            "covered": self.covered,
            "seconds": self.seconds,
            "counts": dict(self.counts()),
            "exit_code": self.exit_code,
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def write_junit(self, path: Path) -> None:
        """JUnit XML: one testcase per contract (classname = level), failures with their evidence."""
        c = self.counts()
        suite = ET.Element(
            "testsuite",
            name="mockcc contracts",
            tests=str(len(self.results)),
            failures=str(c["fail"]),
            errors=str(c["error"]),
            skipped=str(c["skip"]),
            time=f"{self.seconds:.2f}",
        )
        for r in self.results:
            case = ET.SubElement(
                suite, "testcase", classname=f"mockcc.{r.level}", name=f"{r.id} {r.title}", time=f"{r.seconds:.2f}"
            )
            if r.outcome in ("fail", "error"):
                node = ET.SubElement(case, "failure" if r.outcome == "fail" else "error", message=r.reason)
                node.text = "\n".join([r.description, "", *r.evidence])
            elif r.outcome == "skip":
                ET.SubElement(case, "skipped", message=r.reason)
        ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


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
