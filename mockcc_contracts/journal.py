"""Journal assertions for brands' tests: find the calls a connector made, and fail with the near misses.

    calls = control.journal()
    assert_called(calls, service="send", body_contains="hello", status=200)

When nothing matches, the message lists the calls that matched every criterion but one, and says
which one differed: "a SEND with 'hello' was made, but answered 400 (invalid: $.body.event...)".
"""

from __future__ import annotations

from typing import Any

from mockcc_contracts.evidence import describe_call

JSON = dict[str, Any]


def _criteria(
    service: str | None, method: str | None, path_contains: str | None, status: int | None, body_contains: str | None
) -> dict[str, Any]:
    tests = {
        "service": (service, lambda c: c.get("service") == service),
        "method": (method, lambda c: str(c.get("method", "")).upper() == str(method).upper()),
        "path": (path_contains, lambda c: str(path_contains) in str(c.get("path", ""))),
        "status": (status, lambda c: c.get("status") == status),
        "body": (body_contains, lambda c: str(body_contains) in str(c.get("request_body", ""))),
    }
    return {name: test for name, (wanted, test) in tests.items() if wanted is not None}


def find_calls(
    calls: list[JSON],
    *,
    service: str | None = None,
    method: str | None = None,
    path_contains: str | None = None,
    status: int | None = None,
    body_contains: str | None = None,
) -> list[JSON]:
    """The journal entries matching every given criterion."""
    tests = _criteria(service, method, path_contains, status, body_contains)
    return [c for c in calls if all(test(c) for test in tests.values())]


def assert_called(
    calls: list[JSON],
    *,
    service: str | None = None,
    method: str | None = None,
    path_contains: str | None = None,
    status: int | None = None,
    body_contains: str | None = None,
    count: int | None = None,
) -> list[JSON]:
    """The matching calls; AssertionError explaining the near misses when none (or not ``count``) match."""
    found = find_calls(
        calls, service=service, method=method, path_contains=path_contains, status=status, body_contains=body_contains
    )
    if found and (count is None or len(found) == count):
        return found
    wanted = ", ".join(
        f"{k}={v!r}"
        for k, v in (
            ("service", service),
            ("method", method),
            ("path_contains", path_contains),
            ("status", status),
            ("body_contains", body_contains),
        )
        if v is not None
    )
    if found:
        lines = [f"expected {count} call(s) with {wanted}, found {len(found)}:"]
        lines += [f"  {describe_call(c)}" for c in found[:10]]
        raise AssertionError("\n".join(lines))
    lines = [f"no call with {wanted} among {len(calls)} journal entries"]
    tests = _criteria(service, method, path_contains, status, body_contains)
    near = []
    for c in calls:
        missed = [name for name, test in tests.items() if not test(c)]
        if len(missed) == 1:
            near.append(f"  differs in {missed[0]}: {describe_call(c)}")
    if near:
        lines.append("near misses (every criterion but one matched):")
        lines += near[-10:]
    else:
        lines.append("no near miss; the last calls were:")
        lines += [f"  {describe_call(c)}" for c in calls[-5:]]
    raise AssertionError("\n".join(lines))
