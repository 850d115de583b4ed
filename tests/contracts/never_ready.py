"""A "connector" that prints a line and exits without ever listening (for the start-up error test)."""

import sys

sys.stdout.write("never listening, bye\n")
