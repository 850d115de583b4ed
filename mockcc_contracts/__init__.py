"""mockcc's contract suite: judge a brand's own connector while mockcc plays LivePerson.

contract     the authoring API: what a contract is (id, level, paragraph, check, requires), the decorator
             and the registry it fills; Failed, NotApplicable, Blocked (defined in verdict)
contracts/   the contracts, one module per area (LP-AUTH-001, ...)
catalogue    every contract in run order (prerequisites first, clock movers last), --only/--skip
harness      what a check works with: the mock's control plane, the channel driver, the webhook URL
watch        whose journal call is it (one epoch per contract), and the refusals nothing recovered from
driver       the ChannelDriver protocol and the HTTP channel driver (connector_ref/README.md)
control      a typed client for the mock's control plane, and the agent's chair
launch       start the mock and a connector by command, on free ports, and wait until ready
runner       run contracts, collect verdicts and evidence; report: table, JUnit, JSON, coverage
cli          ``mockcc contract``
channel/     the channel simulator (the consumer side) and its faker-made load driver
demo         ``make run``: the mock, the reference connector and one conversation, as a transcript
"""
