"""``python -m problemgen``: the same as the ``problemgen`` command."""

from problemgen.cli import main

if __name__ == "__main__":
    main()
