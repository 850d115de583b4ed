"""The mock's in-memory state: accounts, app installations, consumers, conversations."""
