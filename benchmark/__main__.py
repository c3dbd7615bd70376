"""``python -m musicbench.benchmark`` is the ``bench`` command."""

from musicbench.benchmark.cli import main

if __name__ == "__main__":
    main()
