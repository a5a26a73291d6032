"""The analytics benchmark runs end to end and its pandas baselines agree with journeylens.

``benchmarks/analytics.py --events 20000`` generates 20,000 synthetic events into a fresh workspace
and Parquet file, runs every registered analysis that has a benchmark case, and checks that
the straightforward pandas version of each computes the same answer (funnel users and
median times per step, retention cohorts and retained counts, ...). No timing is asserted.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from journeylens.analyses import registry

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "analytics.py"


@pytest.mark.slow
def test_quick_run_prints_every_analysis_and_pandas_agrees(tmp_path: Path) -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import analytics
    finally:
        sys.path.remove(str(SCRIPT.parent))
    benchmarked = [c.analysis for c in analytics.CASES if c.analysis in registry.analyses()]
    assert "funnel" in benchmarked and "retention" in benchmarked

    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--events",
            "20000",
            "--repeat",
            "1",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=ROOT,
    )
    output = done.stdout
    assert done.returncode == 0, output + done.stderr
    for name in benchmarked:  # one table row per analysis, with its timing in seconds
        assert re.search(rf"^│ {re.escape(name)} +│.*│ +\d+\.\d+ +│", output, re.M), name
    for name in ("funnel", "retention"):
        assert f"{name} — same answer: yes" in output
    assert "same answer: no" not in output
