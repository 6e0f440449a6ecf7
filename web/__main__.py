"""``python -m web`` is the ``artsearch`` command."""

from web.cli import main

main()
