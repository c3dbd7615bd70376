"""``python -m benchmark`` is the ``bench`` command."""

from benchmark.cli import main

if __name__ == "__main__":
    main()
