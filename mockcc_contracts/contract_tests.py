"""The contracts as pytest tests: ``pytest --pyargs mockcc_contracts.contract_tests --mockcc-connector-cmd CMD``.

One test per contract (ids like ``test_contract[LP-AUTH-001]``: select with ``-k``); a failure shows the
contract's paragraph and its evidence. Without ``--mockcc-connector-cmd`` every test is skipped.
"""

from __future__ import annotations

from mockcc_contracts.pytest_plugin import ContractRun


def test_contract(mockcc_contract: ContractRun) -> None:
    mockcc_contract.check()
