"""One module (or package) per LivePerson service the mock plays, each exporting ``ROUTES``."""
