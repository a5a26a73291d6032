"""journeylens — self-hosted customer behavior analytics.

The public facade is deliberately small::

    import journeylens
    ws = journeylens.open("my-workspace")
    ws.events.group_by("event").count().to_pandas()
"""

from journeylens.workspace import Workspace, WorkspaceInUseError, open

__version__ = "0.1.0"

__all__ = ["Workspace", "WorkspaceInUseError", "__version__", "open"]
