"""Graded work with nbgrader (assignments/): released without solutions or hidden tests, then a correct and a
wrong sample submission of every assignment autograded, their scores read from the gradebook and the
feedback that goes back to each student read.

Neither sample holds a model number: the correct one is the source's own solution code, the wrong one
runs kbsim too but makes a student's mistake (the fix's number for the fault's, a setting the article
shows failing), so both stay right while the model's numbers move.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kbsim.teaching.classroom import TEACHING_ORDER

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assignments" / "source"
# In teaching order, as the course book and the notebooks' links have them.
ASSIGNMENTS = ["Q226827", "Q226838", "Q210202", "Q212894", "Q213261", "Q311764", "Q245271", "Q299261"]
STUB = "raise NotImplementedError()"

# The wrong student's answers, by answer cell: plausible mistakes, each computed with kbsim or chosen where the
# article says the setting fails; None leaves the stub. Each assignment's last question is written, graded by hand.
WRONG = {
    "Q226827": {
        "q1_answer": 'denials = kbsim.run("Q226827", variant="fix", seed=1).summary["denials"]',
        "q2_answer": "retries = 1",
    },
    # The second licences server 1 granted, read as the phantoms; the preset's 4 retries, which the notebook shows
    # still leaving phantoms.
    "Q226838": {
        "q1_answer": 'phantoms = kbsim.run("Q226838", seed=1).summary["second_licences"]',
        "q2_answer": "retries = 4",
    },
    "Q210202": {
        "q1_answer": 'extra_denials = kbsim.run("Q210202", seed=1).summary["denials"]',
        "q2_answer": "best_interval_h = 24",
    },
    "Q212894": {
        "q1_answer": 'recovery_h = round(kbsim.run("Q212894", seed=1).summary["recovery_h_nt"], 1)',
        "q2_answer": "earliest_start_h = 10",
    },
    "Q213261": {"q1_answer": None, "q2_answer": "threshold_min = 60"},
    # Every run the site has not seen, the runs merely waiting for their next poll among them; a reinstall before the
    # clocks are set right (the early_reinstall variant, which the notebook shows stalling as the fault does).
    "Q311764": {
        "q1_answer": (
            'fault = kbsim.run("Q311764", seed=1).summary\nstalled = fault["sessions"] - fault["sessions_reported"]'
        ),
        "q2_answer": "reinstall_h = 20",
    },
    # The hangs counted as the restarts; the threshold doubled, a guess.
    "Q245271": {
        "q1_answer": 'restarts = kbsim.run("Q245271", seed=1).summary["server_hangs"]',
        "q2_answer": "threshold_mb = 100",
    },
    "Q299261": {
        "q1_answer": 'count_9406 = kbsim.run("Q299261", variant="fix", seed=1).summary["status_9406"]',
        "q2_answer": 'quiet_service_packs = ["SP4"]',
    },
}
# What each hidden test of a setting tells the wrong student in the feedback.
WRONG_SETTING_SAYS = {
    "Q226827": "clients still fail over",
    "Q226838": "phantom licences are still left",
    "Q210202": "another interval refuses fewer requests",
    "Q212894": "clients still wait longer",
    "Q213261": "runs still go unreported",
    "Q311764": "runs are still stalled",
    "Q245271": "it is still restarted",
    "Q299261": "9406 per service pack",
}


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    # nbgrader runs alembic from PATH when it creates its gradebook: this Python's scripts first.
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    assert "[ERROR]" not in done.stderr and "| ERROR]" not in done.stderr, done.stderr
    return done


def grading(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solution(cell) -> str:
    """The code between BEGIN and END SOLUTION of a source answer cell, or a written answer's text."""
    match = re.search(r"### BEGIN SOLUTION\n(.*?)\n### END SOLUTION", cell.source, re.S)
    return match.group(1) if match else cell.source


def notebook_of(folder: Path) -> Path:
    (path,) = folder.glob("*.ipynb")
    return path


def submit(course: Path, student: str, assignment: str, answers: dict[str, str | None]) -> None:
    """The released notebook with ``answers`` (answer cell id -> code or text; None: left as released)."""
    released = notebook_of(course / "release" / assignment)
    notebook = nbformat.read(released, as_version=4)
    for cell in notebook.cells:
        answer = answers.get(grading(cell).get("grade_id", ""))
        if answer is not None:
            cell.source = answer
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / released.name)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course copied to a temporary folder, released, and two students' submissions autograded."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(SOURCE, course / "source")
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course)
    nbgrader(course, "generate_assignment", "*", "--force")
    for assignment in ASSIGNMENTS:
        source = nbformat.read(notebook_of(SOURCE / assignment), as_version=4)
        correct = {grading(c)["grade_id"]: solution(c) for c in source.cells if grading(c).get("solution")}
        wrong = {**WRONG[assignment], "q3_answer": "The server was down, so requests were refused."}
        submit(course, "correct", assignment, correct)
        submit(course, "wrong", assignment, wrong)
    nbgrader(course, "autograde", "*", "--create")
    nbgrader(course, "generate_feedback", "*")
    nbgrader(course, "export", f"--to={course / 'grades.csv'}")
    return course


def test_every_article_has_one_assignment_with_each_kind_of_question():
    assert sorted(p.name for p in SOURCE.iterdir()) == sorted(ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        cells = nbformat.read(notebook_of(SOURCE / assignment), as_version=4).cells
        text = " ".join(c.source for c in cells)
        for kind in ("a number to find", "a setting to choose", "a sentence to explain"):
            assert kind in text, f"{assignment} has no question of {kind}"
        tests = [c for c in cells if grading(c).get("grade") and c.cell_type == "code"]
        assert tests and all("### BEGIN HIDDEN TESTS" in c.source for c in tests), assignment
        written = [c for c in cells if grading(c).get("grade") and c.cell_type == "markdown"]
        assert len(written) == 1 and grading(written[0])["solution"], f"{assignment}: one answer graded by hand"
        # The hidden tests compute the model's answer with kbsim: no number of the model is written into them.
        for cell in tests:
            hidden = cell.source.split("### BEGIN HIDDEN TESTS", 1)[1]
            assert "kbsim.run(" in hidden, f"{assignment}: a hidden test that does not ask kbsim"


def test_each_article_notebook_has_its_assignment_and_the_guide_gives_them_in_teaching_order():
    articles = [name for name in TEACHING_ORDER if name.startswith("Q")]
    assert [name.split("_")[0] for name in articles] == ASSIGNMENTS
    assert [notebook_of(SOURCE / a).stem for a in ASSIGNMENTS] == articles, "an assignment named for its notebook"
    guide = (ROOT / "docs" / "teaching.md").read_text().split("## Graded work with nbgrader", 1)[1]
    listed = re.search(r"in teaching order, each given after its notebook: (.*?)\.\n", guide, re.S)
    assert listed and re.findall(r"Q\d{6}", listed.group(1)) == ASSIGNMENTS


def test_the_release_hides_the_solutions_and_the_hidden_tests(course):
    for assignment in ASSIGNMENTS:
        released = nbformat.read(notebook_of(course / "release" / assignment), as_version=4)
        text = "\n".join(c.source for c in released.cells)
        assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        answers = [c for c in released.cells if grading(c).get("solution")]
        assert len(answers) == 3
        assert all(STUB in c.source or c.source == "YOUR ANSWER HERE" for c in answers), assignment
        assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")


def scores(course: Path) -> dict[tuple[str, str], dict[str, float]]:
    with open(course / "grades.csv", newline="") as table:
        return {
            (row["student_id"], row["assignment"]): {k: float(row[k]) for k in ("score", "max_score")}
            for row in csv.DictReader(table)
        }


def autograded_points(course: Path, assignment: str) -> float:
    source = nbformat.read(notebook_of(course / "source" / assignment), as_version=4)
    return sum(grading(c)["points"] for c in source.cells if grading(c).get("grade") and c.cell_type == "code")


def test_a_correct_submission_gets_every_autograded_point(course):
    table = scores(course)
    for assignment in ASSIGNMENTS:
        row = table[("correct", assignment)]
        # The written answer waits for the instructor: its points are in the maximum, not yet in the score.
        assert row["score"] == autograded_points(course, assignment) < row["max_score"], (assignment, row)


def test_a_wrong_submission_gets_no_autograded_point(course):
    table = scores(course)
    for assignment in ASSIGNMENTS:
        assert table[("wrong", assignment)]["score"] == 0, assignment


def feedback(course: Path, student: str, assignment: str) -> str:
    (page,) = (course / "feedback" / student / assignment).glob("*.html")
    return page.read_text()


def test_the_feedback_says_what_was_wrong_and_what_was_right(course):
    table = scores(course)
    for assignment in ASSIGNMENTS:
        for student in ("correct", "wrong"):
            page = feedback(course, student, assignment)
            row = table[(student, assignment)]
            # The page opens with the notebook's score, as the gradebook has it.
            assert re.search(r"Score: ([\d.]+) / ([\d.]+)", page).groups() == (
                f"{row['score']:.1f}",
                f"{row['max_score']:.1f}",
            )
        assert "output_error" not in feedback(course, "correct", assignment), assignment
        wrong = feedback(course, "wrong", assignment)
        assert "AssertionError" in wrong and WRONG_SETTING_SAYS[assignment] in wrong, assignment
    # An answer left as released: the stub's error, then the test finds no answer.
    assert "NotImplementedError" in feedback(course, "wrong", "Q213261")
