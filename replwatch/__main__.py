"""``python -m replwatch`` is the ``replwatch`` command."""

from replwatch.cli import main

if __name__ == "__main__":
    main()
