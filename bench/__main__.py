"""`python -m bench` (what `make bench` runs): the fan-out benchmark, with the same options."""

from bench import fanout

if __name__ == "__main__":
    fanout.main()
