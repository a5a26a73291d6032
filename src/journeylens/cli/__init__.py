"""The ``journeylens`` command line."""
