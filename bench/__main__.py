"""`python -m bench` (what `make bench` runs): every benchmark, one table each."""

from bench import fanout

if __name__ == "__main__":
    fanout.main([])
