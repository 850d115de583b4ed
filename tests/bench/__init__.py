"""`make bench` and `make soak`: mockcc side by side with the ceiling, WireMock and Prism."""
