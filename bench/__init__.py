"""Benchmarks (`make bench`): each module here has a ``main()`` that runs it and returns
an exit status; ``python -m bench`` runs them all, ``python -m bench listing`` one."""
