"""The control plane under ``/_mockcc/``: reset, seed, inspect, move the clock, inject faults, act as agent."""
