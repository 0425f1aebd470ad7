"""Starting servers for a run: natively as a process group (native.py)."""

from harness.launch.native import LaunchError, ReadyHttp, ReadyLine, RunningServer, launch

__all__ = ["LaunchError", "ReadyHttp", "ReadyLine", "RunningServer", "launch"]
