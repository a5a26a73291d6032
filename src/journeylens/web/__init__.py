"""The HTTP server: collector routes, the JSON API and the web UI (``web/ui``)."""
