# ruff: noqa: F821  (nbgrader runs this file with get_config defined)
"""nbgrader's course: one graded assignment per article, sources in assignments/source/<article>/.

`make assignments` writes nbgrader's release (assignments/release/: solutions replaced by stubs, hidden
tests removed). On a hub the instructor runs nbgrader from this folder (docs/teaching.md says how to
release, collect, autograde and return feedback); tests/test_assignments.py grades sample submissions.
"""

from pathlib import Path

c = get_config()
c.CourseDirectory.course_id = "kbsim"
c.CourseDirectory.root = str(Path(__file__).resolve().parent)
# A hidden test runs kbsim a few dozen times at most; a cold kernel on a busy machine needs the margin.
c.ExecutePreprocessor.timeout = 300
