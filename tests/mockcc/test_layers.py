"""The house stays standing: no import circle in ``mockcc/`` or ``mockcc_contracts/``, and no import that
runs back up a layer.

Imports are read from the source with ``ast`` (module level, inside functions and under
``TYPE_CHECKING`` alike), so the check sees every arrow a reader would follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mockcc import errors

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mockcc"

#: Top to bottom. A module may import only from a lower layer, or from its own group (the top-level
#: module or package it belongs to). A new top-level module or package must be given its floor here.
LAYERS: list[tuple[str, ...]] = [
    ("__main__", "__init__"),  # the CLI (reaches mockcc_contracts lazily) and the public surface
    ("server",),  # uvicorn on uvloop, with the limits no client gets past
    ("app",),  # create_app: routes + the composition root
    ("fastlane",),  # SEND and CONVERSATION straight from ASGI to their pipeline
    ("console",),  # the web console: its pages, and the event stream fed by the layers below
    ("control", "services", "sockets"),  # the endpoints: HTTP, and the websocket transports
    ("http", "guard"),  # the request pipeline every endpoint shares; the security rule in front of it
    ("mock",),  # the composition root: one Mock wires everything below
    ("streams",),  # what socket subscribers hear: peers, subscriptions, fed by Messaging's listeners
    ("agent", "consumer", "seeding"),  # what an agent, a bot, the system or a consumer does; the seed, applied
    ("webhooks",),  # delivery of LivePerson's notifications
    ("messaging", "faults", "config", "history", "hosts"),  # conversation rules, faults, the seed, Messaging
    # History's view, split hosts
    ("auth_errors",),  # the services' own auth envelopes (Send API table, Sentinel OAuth, agentVep session)
    ("state", "errors", "tokens", "journal", "openapi"),  # records, errors, tokens, the journal, the document
    (
        "clock",
        "ids",
        "settings",
        "schemas",
        "tls",
        "strictjson",
        "redact",
        "types",
        "urlencoded",
        "authority",
        "heap",
        "rows",
    ),  # leaves
]
#: The suite's floors (it imports ``mockcc``, never the reverse; ``mockcc.__main__`` reaches it lazily).
CONTRACT_LAYERS: list[tuple[str, ...]] = [
    ("__init__", "contract_tests"),  # the public surface; the contracts as pytest tests
    ("pytest_plugin", "demo"),  # fixtures and the contract tests; ``make run``
    ("cli",),  # ``mockcc contract``: start everything, run, report, stop everything
    ("runner", "fuzz_webhooks", "fuzz_api"),  # run contracts into a report; the receiver fuzzer; ``mockcc fuzz``
    ("catalogue", "report"),  # every contract in run order (imports the modules); table, JUnit, JSON
    ("contracts",),  # the contracts, one module per area
    ("contract",),  # the decorator and the registry the contract modules fill
    ("harness", "testing"),  # what a check works with; what brands' tests work with
    ("launch", "journal", "record"),  # start processes; journal assertions; the run's record of the journal
    ("evidence", "signatures"),  # one-line descriptions of calls, deliveries, what the consumer got; signatures
    # channel, webhook receiver, control plane, leaves; the watchman of what the suite started
    ("driver", "receiver", "control", "watch", "verdict", "watchman"),
    ("channel",),  # the channel simulator
]
HOUSES = {"mockcc": LAYERS, "mockcc_contracts": CONTRACT_LAYERS}


def modules(package: str = "mockcc") -> dict[str, Path]:
    """Every module of the package by dotted name (``mockcc.services.csds``, ``mockcc.webhooks``)."""
    found: dict[str, Path] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's own modules that ``name`` imports (``from a.b import c`` counts ``a.b.c`` if a module)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in targets:
            while target and target not in known:  # ``import mockcc.x.y`` names a module or its package
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def graph(package: str = "mockcc") -> dict[str, set[str]]:
    found = modules(package)
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components (a circle is one with more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components


def group(module: str) -> str:
    """The top-level module or package of its package (``mockcc``, ``mockcc_contracts``) a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def floor(module: str) -> int:
    package = module.split(".")[0]
    for i, names in enumerate(HOUSES[package]):
        if group(module) in names:
            return i
    raise AssertionError(f"{package}.{group(module)} has no layer: give it a floor in {__file__}")


def test_the_import_reader_sees_the_known_arrows() -> None:
    edges = graph()
    assert "mockcc.http" in edges["mockcc.services.csds"]
    assert "mockcc.state.models" in edges["mockcc.messaging"]
    assert "mockcc.mock" in edges["mockcc.http"]  # an import under TYPE_CHECKING is an arrow too


def test_tarjan_finds_a_circle() -> None:
    components = strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert [c for c in components if len(c) > 1] == [["a", "b", "c"]]


def test_the_suite_reader_sees_the_known_arrows() -> None:
    edges = graph("mockcc_contracts")
    assert "mockcc_contracts.contract" in edges["mockcc_contracts.contracts.auth"]
    assert "mockcc_contracts.harness" in edges["mockcc_contracts.contract"]  # under TYPE_CHECKING


@pytest.mark.parametrize("package", sorted(HOUSES))
def test_no_import_circle(package: str) -> None:
    circles = [c for c in strongly_connected(graph(package)) if len(c) > 1]
    assert circles == [], f"modules that import each other in a circle: {circles}"


@pytest.mark.parametrize("package", sorted(HOUSES))
def test_every_module_has_a_floor(package: str) -> None:
    for module in graph(package):
        floor(module)


@pytest.mark.parametrize("package", sorted(HOUSES))
def test_no_import_runs_back_up_a_layer(package: str) -> None:
    upward = [
        f"{a} -> {b}"
        for a, targets in graph(package).items()
        for b in sorted(targets)
        if group(a) != group(b) and floor(b) <= floor(a)
    ]
    assert upward == [], "imports that run up (or sideways across) a layer:\n" + "\n".join(upward)


def test_endpoint_modules_are_not_libraries() -> None:
    """A module with ``ROUTES`` is imported only to mount its routes (by ``app`` or a ``routes`` module)."""
    found = modules()
    endpoints = {name for name, path in found.items() if "\nROUTES" in path.read_text(encoding="utf-8")}
    borrowed = [
        f"{a} -> {b}"
        for a, targets in graph().items()
        for b in sorted(targets & endpoints)
        if a != "mockcc.app" and not a.endswith(".routes")
    ]
    assert borrowed == [], "modules that use an endpoint module as a library:\n" + "\n".join(borrowed)


DOMAIN = (
    "mockcc.messaging",
    "mockcc.agent.desk",
    "mockcc.agent.bots",
    "mockcc.webhooks.dispatcher",
    "mockcc.history.records",
    "mockcc.history.view",
    "mockcc.history.search",
)
#: Every envelope class (RestError, NotFound, OAuthError, ...) and the functions that make one.
ENVELOPES = {
    name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, errors.ApiError)
} | {"as_api_error", "rest_error"}


def test_the_domain_knows_no_http() -> None:
    """Messaging and the agent side raise ``Refused`` errors; envelopes and starlette are the pipeline's."""
    found = modules()
    for name in DOMAIN:
        tree = ast.parse(found[name].read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        modules_used = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not (names | imported) & ENVELOPES, f"{name} uses an HTTP envelope"
        assert not {m for m in modules_used if m.startswith(("starlette", "mockcc.http"))}, f"{name} imports HTTP"


def test_no_envelope_is_assembled_by_hand() -> None:
    """Outside ``errors.py`` a refusal is raised by name (``BadRequest``, ``NotFound``, ``InvalidClient``, ...):
    nobody builds the base classes with a status and a text of their own."""
    bases = {"ApiError", "RestError", "OAuthError"}
    found = [
        f"{name}:{node.lineno}"
        for name, path in modules().items()
        if name != "mockcc.errors"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
        if (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) in bases
    ]
    assert found == [], "envelopes built by hand:\n" + "\n".join(found)
