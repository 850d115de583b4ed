"""Messaging History (the Messaging Interactions API): the mock's conversations as LivePerson's history
records (``view``, ``records``) and the search over them (``search``). No HTTP: ``services/msghist.py``
serves it."""
