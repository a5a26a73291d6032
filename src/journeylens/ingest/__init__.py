"""From bytes on the wire (or rows in a file) to canonical event rows.

``body`` decodes and parses a request body, ``normalize`` holds the one path
every source goes through, ``segment`` and ``posthog`` map each protocol onto it.
"""
