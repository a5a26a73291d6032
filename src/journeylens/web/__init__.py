"""The HTTP server: collector routes, JSON API, (later) the web UI."""
