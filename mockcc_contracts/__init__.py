"""mockcc's contract suite: judge a brand's own connector while mockcc plays LivePerson.

    channel    the consumer side of the reference connector's HTTP channel (simulator, load driver)
    demo       ``make run``: the mock, the reference connector and one conversation, as a transcript

The suite drives a connector through a channel driver, with stable contract ids, while the mock
plays Conversational Cloud (see the README's "Judge your connector" section).
"""
