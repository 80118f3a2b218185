"""The sandgate benchmark's pieces; bench.py drives them (docs/performance.md)."""
