"""Mystery sites: drawn the same from the same seed, valid, solvable from their evidence alone, checked in steps."""

import dataclasses
import functools
import inspect
import re

import pandas as pd
import pytest

import kbsim
from kbsim import ParameterError
from kbsim.model.parameters import PARAMETERS, Params
from kbsim.teaching.diagnosis import diagnose, solve_rate
from kbsim.teaching.evidence import CONSOLE_SETTINGS, CONSOLE_SUMMARY, STATUS_FACTS, Evidence
from kbsim.teaching.mystery import ACTIONS, ANSWERS, FIXABLE, NONE, Case, detail_options

SAMPLE = range(150)  # benchmarks/mystery.py measures 1000 per level
#: Parameters that describe a fault or the site's hidden make-up, never shown to a student.
HIDDEN = sorted(set(PARAMETERS) - set(CONSOLE_SETTINGS))


@functools.cache
def case(seed, level):
    return kbsim.mystery(seed, level)


def first_case(article, level=1):
    return next(case(s, level) for s in range(60) if case(s, level).reveal().articles == [article])


def test_the_same_seed_gives_the_same_case():
    a, b = kbsim.mystery(7, 2), kbsim.mystery(7, 2)
    assert a._params == b._params and a.reveal().text() == b.reveal().text()
    assert a.evidence.texts() == b.evidence.texts()
    assert kbsim.mystery(8, 2)._params != a._params


@pytest.mark.parametrize("level, target", [(1, 0.95), (3, 0.80)])
def test_the_reference_diagnosis_names_the_right_cause(level, target):
    rates = solve_rate(SAMPLE, level)
    assert rates["articles"] >= target, rates
    assert rates["healthy_flagged"] == 0, rates


def test_every_level_draws_every_answer_and_the_hardest_two_causes():
    drawn = {a for seed in range(60) for a in case(seed, 1).reveal().articles}
    assert drawn == set(ANSWERS)
    assert all(len(kbsim.mystery(seed, 3).reveal().articles) == 2 for seed in range(10))


@pytest.mark.parametrize("level", [1, 2, 3])
def test_every_case_has_valid_parameters_and_evidence_without_hidden_values(level):
    for seed in range(25):
        drawn = case(seed, level)
        assert Params.from_values(drawn._params.to_plain()) == drawn._params  # validated by the one declaration
        evidence = drawn.evidence
        assert list(evidence.settings) == list(CONSOLE_SETTINGS) and list(evidence.summary) == list(CONSOLE_SUMMARY)
        text = "\n".join(evidence.texts().values())
        for name in HIDDEN:
            assert name not in text, name
        # The lag of a skewed clock, hidden in the parameters, never appears in a log line.
        if drawn._params.clock_offset_min:
            assert not re.search(rf"\b{drawn._params.clock_offset_min:g} min", text)  # not "145 min late"
        for f in dataclasses.fields(Evidence):
            assert not isinstance(getattr(evidence, f.name), (Params, kbsim.Result))


def test_the_diagnosis_is_given_the_evidence_only():
    assert list(inspect.signature(diagnose).parameters) == ["evidence"]
    source = inspect.getsource(diagnose)
    assert "_params" not in source and "_causes" not in source and "reveal" not in source


@pytest.mark.parametrize("level", [1, 3])
def test_the_evidence_facts_are_what_its_lines_say_and_the_diagnosis_reads_them_not_the_sentences(level):
    """The typed facts hold one row per status message, LICSRVC.log line and Liccli.log event, each naming the
    server its line names; the diagnosis reads them: blanking every log's text changes none of its findings,
    and a fact changed changes them."""
    for seed in range(25):
        evidence = case(seed, level).evidence
        assert list(evidence.status_facts.columns) == list(STATUS_FACTS)
        assert len(evidence.status_facts) == len(evidence.status) - 1  # the viewer's header
        assert len(evidence.licsrvc_facts) == len(evidence.licsrvc)
        for facts, lines in ((evidence.status_facts, evidence.status[1:]), (evidence.licsrvc_facts, evidence.licsrvc)):
            for server, line in zip(facts["server"], lines):
                assert pd.isna(server) or server < 0 or f"SWM{server}" in line, line
        refused = [line for line in evidence.client_log if "Offline upload not attempted" in line]
        assert len(refused) == (evidence.client_facts["kind"] == "upload_refused").sum()
        failed = [line for line in evidence.client_log if "Failed to connect" in line]
        tried = evidence.client_facts[evidence.client_facts["kind"].isin(["contact_failed", "retry"])]
        assert len(failed) == len(tried)
        assert all(f"SWM{server}" in line for server, line in zip(tried["server"], failed))
        found = diagnose(evidence)
        blank = dataclasses.replace(evidence, status=[], licsrvc=[], client_log=[])
        assert dataclasses.asdict(diagnose(blank)) == dataclasses.asdict(found)


def test_the_diagnosis_follows_a_changed_fact():
    hung = first_case("Q299261")
    assert diagnose(hung.evidence).articles == ["Q299261"]
    facts = hung.evidence.status_facts.assign(state="stopped")  # the same 9406s, for an offline server
    assert "Q299261" not in diagnose(dataclasses.replace(hung.evidence, status_facts=facts)).articles


def test_a_refused_upload_in_the_evidence_says_no_lag_but_the_runs_it_held():
    lagging = first_case("Q213261")
    line = next(line for line in lagging.evidence.client_log if "Offline upload not attempted" in line)
    runs = lagging.evidence.client_facts.loc[lagging.evidence.client_facts["kind"] == "upload_refused", "runs"]
    held = int(runs.iloc[0])
    assert f"clock behind the site server; {held} run{'' if held == 1 else 's'} held on the client" in line
    assert "minutes" not in lagging.evidence.client_facts.columns


def test_check_says_what_is_right_and_wrong_step_by_step():
    case = first_case("Q226827")
    truth = case.reveal().causes[0]
    right = case.check("Q226827", truth.detail, truth.fix)
    assert right.article and right.detail and right.fix and right.solved
    wrong_server = next(d for d in case.details("Q226827") if d != truth.detail)
    verdict = case.check("Q226827", wrong_server)
    assert verdict.article and verdict.detail is False and verdict.fix is None
    assert "9406" in verdict.text()  # it points to the evidence that names the server
    wrong = case.check("Q213261")
    assert not wrong.article and "missing" in wrong.text()


def test_a_wrong_fix_leaves_the_symptom_and_the_right_one_removes_it():
    case = first_case("Q299261")
    assert case.try_fix({"service_pack": "SP4"}).gone
    slower = case.try_fix({"poll_interval_min": 60.0})  # fewer 9406 messages, the hang stays
    assert not slower.gone and slower.rows[0][2] > 0
    case = first_case("Q213261")
    assert not case.try_fix({"clock_sync_h": 24.0}).gone  # Q213261: setting the clock alone changes nothing
    assert case.try_fix({"clock_sync_h": 24.0, "reinstall_h": 25.0}).gone


def test_healthy_cases_show_no_article_signature_and_more_licences_cure_them():
    healthy = [case(seed, 2) for seed in range(40) if case(seed, 2).reveal().articles == [NONE]]
    assert healthy
    for site in healthy:
        assert diagnose(site.evidence).articles == [NONE]
        assert site.try_fix(site.reveal().causes[0].fix).gone
        assert not any("1061" in line or "does not answer" in line for line in site.evidence.status)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: kbsim.mystery(1, 4), "level=4"),
        (lambda: kbsim.mystery(-1), "seed=-1"),
        (lambda: kbsim.mystery(1, 1).check("Q999999"), "unknown article"),
        (lambda: kbsim.mystery(1, 1).check(["none", "Q226827"]), "stands alone"),
        (lambda: kbsim.mystery(1, 1).check("Q226827", "the moon"), "detail='the moon'"),
        (lambda: kbsim.mystery(1, 1).try_fix({"outages": []}), "unknown setting a fix may change"),
        (lambda: kbsim.mystery(1, 1).try_fix({"licenses": -3}), "licenses"),
        (lambda: kbsim.mystery(1, 1).try_fix({}), "fix={}"),
    ],
)
def test_bad_answers_get_one_clear_error(call, words):
    with pytest.raises(ParameterError, match=None) as info:
        call()
    message = str(info.value)
    assert words in message and "\n" not in message


def test_fixes_may_change_console_settings_and_repairs_only():
    assert set(ACTIONS) <= set(FIXABLE) and "outages" not in FIXABLE and "clock_offset_min" not in FIXABLE
    assert all(name in PARAMETERS for name in FIXABLE)
    assert detail_options("Q226827", 3) == ["SWM0 went offline", "SWM1 went offline", "SWM2 went offline"]


def test_evidence_writes_its_files(tmp_path):
    paths = kbsim.mystery(3, 1).evidence.write(tmp_path / "case")
    assert {p.name for p in paths} >= {"LICSRVC.log", "Liccli.log", "status.txt", "summary.txt", "settings.txt"}
    assert (
        len(pd.read_csv(tmp_path / "case" / "usage_by_computer.csv"))
        == kbsim.mystery(3, 1).evidence.settings["n_clients"]
    )
    assert isinstance(kbsim.mystery(3, 1), Case)


def test_the_command_line_writes_the_evidence_and_checks_an_answer(tmp_path, capsys):
    from kbsim.ui.cli import main

    assert main(["mystery", "--seed", "3", "--out", str(tmp_path / "c")]) == 0
    assert (tmp_path / "c" / "Liccli.log").read_text() == case(3, 1).evidence.texts()["client"]
    truth = case(3, 1).reveal().causes[0]
    capsys.readouterr()
    fix = [part for name, value in truth.fix.items() for part in ("--fix", f"{name}={value}")]
    assert main(["mystery", "--seed", "3", "--answer", truth.article, "--detail", truth.detail, *fix]) == 0
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.splitlines()] == ["right", "right", "right"]
    assert main(["mystery", "--seed", "3", "--answer", "none"]) == 0
    assert "wrong: " in capsys.readouterr().out
    assert main(["mystery", "--seed", "3", "--reveal"]) == 0
    assert truth.detail in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--answer", "Q1"], "unknown article 'Q1'"),
        (["--level", "7"], "level=7"),
        (["--answer", "none", "--fix", "licences=3"], "unknown parameter 'licences'"),
        (["--fix", "licenses=3"], "only with --answer"),
    ],
)
def test_the_command_line_refuses_bad_input_in_one_line(argv, words, capsys):
    from kbsim.ui.cli import main

    assert main(["mystery", "--seed", "3", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_the_page_updates_in_place_and_checks_an_answer():
    page = kbsim.mystery_page(3, 1)
    truth = case(3, 1).reveal().causes[0]
    page.article.value = truth.article
    page.detail.value = truth.detail
    page.check()
    assert page.answer.value.count("✔") == 2 and "✘" not in page.answer.value
    page.fix.value = "service_pack=SP9"
    page.try_fix()
    assert "service_pack" in page.answer.value and "SP9" in page.answer.value
    page.new_case.click()
    assert page.seed.value == 4 and "Mystery site 4" in page.title.value


def test_the_page_hides_only_the_second_answer_below_level_3():
    page = kbsim.mystery_page(3, 1)
    assert page.second.layout.display == "none" and page.second_detail.layout.display == "none"
    assert page.detail.layout.display is None and page.fix.layout.display is None and page.level.layout.display is None
    page.level.value = 3
    assert page.second.layout.display is None and page.second_detail.layout.display is None


def test_the_page_selects_a_detail_whenever_the_choices_change():
    page = kbsim.mystery_page(3, 1)
    for seed in (4, 5):
        page.seed.value = seed
        assert page.detail.value == page.detail.options[0]
    page.article.value = "Q213261"
    assert page.detail.value == "clients whose clocks lag the site server"
    page.level.value = 3
    page.second.value = "Q299261"
    assert page.second_detail.value == page.second_detail.options[0]
    page.check()
    assert "not allowed" not in page.answer.value
