"""The exercises' answer rules (kbsim/teaching/exercises/): right across the controls they are about (issue 20).

Each rule decides its answer from runs of the model with its control at a value. Here every rule is
run across the values a student can give that control in the explorer (the widget kbsim.ui.explorer
builds from kbsim.PARAMETERS, walked as tests/test_directions.py walks it: both ends and points
between, every option of a dropdown): the answer must be the question's answer at every value, or
at every value inside the range the rule claims (``holds``), and then the question must say where in
words (``where``), and the answer must change somewhere outside it (else the caveat would be noise).
"""

from __future__ import annotations

import pytest
from test_directions import widget_values

import kbsim
from kbsim.model.scenarios import get_preset
from kbsim.teaching.exercises import RULES, answer_key, of, rule


@pytest.mark.parametrize("item", RULES, ids=lambda r: r.key)
def test_every_answer_holds_across_its_control_or_the_question_says_where(item):
    params = get_preset(item.article).variant(None)
    answer, _ = item.answer()
    assert answer in item.choices
    values = [v for v in widget_values(item.control, params) if v != ""]
    assert len(values) >= 2, f"{item.key}: {item.control} has a range to walk"
    outside = []
    for value in values:
        got, _ = item.answer(value)
        if item.holds is None or item.holds(value):
            assert got == answer, f"{item.key}: at {item.control}={value!r} the answer is {got!r}, not {answer!r}"
        else:
            outside.append(got)
    if item.holds is not None:
        assert item.holds(item.at), f"{item.key}: the question's own value is inside its range"
        assert item.where and item.where in item.question, f"{item.key}: the question says where the answer holds"
        assert outside and any(got != answer for got in outside), f"{item.key}: a caveat with nothing outside it"


def test_every_article_has_its_exercises_numbered_from_one():
    for article in ("Q226827", "Q210202", "Q212894", "Q213261", "Q311764", "Q299261"):
        numbers = [r.number for r in of(article)]
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 3, article
    assert rule("Q226827_offline_server", 2) is rule("Q226827", 2)


def test_an_unknown_exercise_is_one_short_error():
    with pytest.raises(kbsim.ParameterError, match=r"exercise \('Q226827', 9\) is not allowed: expected one of"):
        rule("Q226827", 9)


def test_the_answer_key_holds_every_exercise_with_its_answer_and_reason():
    key = answer_key()
    assert len(key) == len(RULES)
    for item, row in zip(RULES, key.itertuples(), strict=True):
        assert row.answer == item.answer()[0] and row.why == item.why
