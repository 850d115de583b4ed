"""The contract suite brands run against their own connector (next on the roadmap; not built yet).

It will drive a connector through a channel driver while mockcc plays LivePerson, with stable
contract ids (C-AUTH-001, ...). Until then, tests/connector_ref shows the checks it will contain.
"""
