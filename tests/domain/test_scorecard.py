"""Scorecard templates: every validation error names FILE:LINE; answers; the worked example."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from callreview.domain.errors import ConfigError
from callreview.domain.scorecard import (
    FIXED_COLUMNS,
    NA,
    AnswerValue,
    Criterion,
    CriterionKind,
    Option,
    TemplateError,
    agrees_with_provider,
    parse_answer,
    parse_template,
    score_card,
)

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "scorecards"
FILE = "team/qa.toml"

HEAD = """\
name = "Team QA"
version = 2
pass_mark = 80

[[sections]]
title = "Opening"
"""

SCALE_HEAD = '\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "scale"\n'

YES_NO = """
[[sections.criteria]]
id = "greeting"
question = "Greeted?"
kind = "yes_no"
"""


def card(body: str, head: str = HEAD) -> str:
    return head + textwrap.dedent(body)


# Each case: the text (the line expected in the error ends with `#!`) and words of the reason.
INVALID: dict[str, tuple[str, str]] = {
    "toml syntax": (
        card('\n[[sections.criteria]]\nid = "x"\nweight = = 2  #!\n'),
        "not valid TOML",
    ),
    "toml duplicate key": (
        card(YES_NO + "weight = 1\nweight = 2  #!\n"),
        "not valid TOML: Cannot overwrite",
    ),
    "unknown kind": (
        card('\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "stars"  #!\n'),
        "unknown kind 'stars'; use yes_no | scale | choice | text",
    ),
    "missing kind": (
        card('\n[[sections.criteria]]  #!\nid = "x"\nquestion = "Q"\n'),
        "criterion 'x' has no 'kind'",
    ),
    "duplicate id": (
        card(YES_NO + YES_NO.replace('id = "greeting"', 'id = "greeting"  #!')),
        "criterion id 'greeting' is already used on line 9",
    ),
    "id is a fixed column": (
        card(YES_NO.replace('id = "greeting"', 'id = "score"  #!')),
        "'score' is a column of the scores export",
    ),
    "id not lowercase": (
        card(YES_NO.replace('id = "greeting"', 'id = "Greeting"  #!')),
        "must start with a lowercase letter",
    ),
    "id with a space": (
        card(YES_NO.replace('id = "greeting"', 'id = "greet caller"  #!')),
        "must start with a lowercase letter",
    ),
    "id not a string": (
        card(YES_NO.replace('id = "greeting"', "id = 7  #!")),
        "criterion id 7",
    ),
    "missing id": (
        card('\n[[sections.criteria]]  #!\nquestion = "Q"\nkind = "yes_no"\n'),
        "a criterion in section 'Opening' has no 'id'",
    ),
    "missing question": (
        card('\n[[sections.criteria]]  #!\nid = "x"\nkind = "yes_no"\n'),
        "criterion 'x' has no 'question'",
    ),
    "empty question": (
        card('\n[[sections.criteria]]\nid = "x"\nquestion = "  "  #!\nkind = "yes_no"\n'),
        "'question' must be some text",
    ),
    "negative weight": (card(YES_NO + "weight = -1  #!\n"), "'weight' must be 0 or more"),
    "weight not a number": (card(YES_NO + 'weight = "2"  #!\n'), "'weight' must be a number"),
    "weight on a text criterion": (
        card('\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "text"\nweight = 2  #!\n'),
        "text carries no weight",
    ),
    "critical text criterion": (
        card(
            '\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "text"\ncritical = true #!\n'
        ),
        "text cannot be critical",
    ),
    "flag not a bool": (card(YES_NO + 'na_allowed = "yes"  #!\n'), "must be true or false"),
    "misspelt key": (card(YES_NO + "wieght = 2  #!\n"), "unknown key 'wieght'"),
    "scale min equal to max": (
        card(SCALE_HEAD + "min = 3\nmax = 3 #!\n"),
        "'max' (3) must be greater than 'min' (3)",
    ),
    "scale min above max": (
        card(SCALE_HEAD + "max = 1 #!\nmin = 5\n"),
        "'max' (1) must be greater than 'min' (5)",
    ),
    "scale without min": (
        card('\n[[sections.criteria]]  #!\nid = "x"\nquestion = "Q"\nkind = "scale"\nmax = 5\n'),
        "is a scale but has no 'min'",
    ),
    "scale without max": (
        card('\n[[sections.criteria]]  #!\nid = "x"\nquestion = "Q"\nkind = "scale"\nmin = 1\n'),
        "is a scale but has no 'max'",
    ),
    "scale bound not whole": (
        card(SCALE_HEAD + "min = 0.5 #!\nmax = 5\n"),
        "'min' must be a whole number",
    ),
    "min on a yes_no": (card(YES_NO + "min = 1  #!\n"), "only scale criteria have 'min'"),
    "options on a yes_no": (
        card(YES_NO + 'options = [{ label = "A", points = 1 }]  #!\n'),
        "only choice criteria have 'options'",
    ),
    "choice without options": (
        card('\n[[sections.criteria]]  #!\nid = "x"\nquestion = "Q"\nkind = "choice"\n'),
        "is a choice but has no 'options'",
    ),
    "choice with no options": (
        card(
            '\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "choice"\noptions = [] #!\n'
        ),
        "'options' must be a list",
    ),
    "points above 1 (multi-line array)": (
        card(
            """
            [[sections.criteria]]
            id = "x"
            question = "Q"
            kind = "choice"
            options = [
                { label = "Good", points = 1.0 },
                { label = "Great", points = 1.5 },  #!
            ]
            """
        ),
        "option 'Great' has points 1.5; points are 0 to 1",
    ),
    "points below 0 (one-line array)": (
        card(
            '\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "choice"\n'
            'options = [{ label = "A", points = 1 }, { label = "B", points = -0.5 }] #!\n'
        ),
        "option 'B' has points -0.5",
    ),
    "points above 1 (array of tables)": (
        card(
            '\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "choice"\n'
            '[[sections.criteria.options]]\nlabel = "A"\npoints = 1\n'
            '[[sections.criteria.options]]  #!\nlabel = "B"\npoints = 2\n'
        ),
        "option 'B' has points 2",
    ),
    "option without points": (
        card(
            '\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "choice"\n'
            'options = [{ label = "A" }] #!\n'
        ),
        "option 'A' has no 'points'",
    ),
    "option labelled na": (
        card(
            '\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "choice"\n'
            'options = [{ label = "N/A", points = 1 }] #!\n'
        ),
        "is how N/A is answered",
    ),
    "two options with one label": (
        card(
            '\n[[sections.criteria]]\nid = "x"\nquestion = "Q"\nkind = "choice"\noptions = [\n'
            '  { label = "Yes", points = 1 },\n  { label = "yes", points = 0 }, #!\n]\n'
        ),
        "two options are labelled 'yes'",
    ),
    "missing name": (
        "# a comment first  #!\nversion = 1\npass_mark = 80\n" + HEAD.split("\n", 3)[3] + YES_NO,
        "the template has no 'name'",
    ),
    "empty name": (card(YES_NO, HEAD.replace('name = "Team QA"', 'name = ""  #!')), "'name'"),
    "missing version": (
        "#!\n" + card(YES_NO, HEAD.replace("version = 2\n", "")),
        "the template has no 'version'",
    ),
    "version zero": (
        card(YES_NO, HEAD.replace("version = 2", "version = 0  #!")),
        "'version' must be a whole number, 1 or more, not 0",
    ),
    "version as text": (
        card(YES_NO, HEAD.replace("version = 2", 'version = "2"  #!')),
        "'version' must be a whole number",
    ),
    "version fractional": (
        card(YES_NO, HEAD.replace("version = 2", "version = 2.5  #!")),
        "'version' must be a whole number",
    ),
    "missing pass_mark": (
        "#!\n" + card(YES_NO, HEAD.replace("pass_mark = 80\n", "")),
        "the template has no 'pass_mark'",
    ),
    "pass_mark above 100": (
        card(YES_NO, HEAD.replace("pass_mark = 80", "pass_mark = 101  #!")),
        "'pass_mark' must be a percentage, 0 to 100",
    ),
    "pass_mark negative": (
        card(YES_NO, HEAD.replace("pass_mark = 80", "pass_mark = -5  #!")),
        "'pass_mark' must be a percentage",
    ),
    "no sections": ('#!\nname = "T"\nversion = 1\npass_mark = 80\n', "no [[sections]]"),
    "section without title": (
        card(
            YES_NO,
            HEAD.replace('title = "Opening"\n', "").replace("[[sections]]", "[[sections]] #!"),
        ),
        "section 1 has no 'title'",
    ),
    "section without criteria": (
        card(YES_NO + '\n[[sections]]  #!\ntitle = "Empty"\n'),
        "section 'Empty' has no [[sections.criteria]]",
    ),
    "two sections with one title": (
        card(YES_NO + '\n[[sections]]\ntitle = "Opening"  #!\n'),
        "two sections are titled 'Opening'",
    ),
    "unknown top-level key": (card(YES_NO, HEAD + "owner = 'qa'  #!\n"), "unknown key 'owner'"),
    "unknown top-level table": (card(YES_NO) + "\n[extra]  #!\nx = 1\n", "unknown key 'extra'"),
    "unknown key in a later criterion": (
        card(YES_NO + '\n[[sections]]\ntitle = "Two"\n' + YES_NO.replace("greeting", "other"))
        + "colour = 'red'  #!\n",
        "criterion 'other' has an unknown key 'colour'",
    ),
}


def marked_line(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if "#!" in line)


@pytest.mark.parametrize("text, reason", INVALID.values(), ids=INVALID.keys())
def test_each_invalid_template_is_refused_with_file_line_and_reason(text: str, reason: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(text, FILE)
    err = caught.value
    line = marked_line(text)
    assert (err.filename, err.line) == (FILE, line), str(err)
    assert reason in err.reason
    assert str(err) == f"{FILE}:{line}: {err.reason}"
    assert isinstance(err, ConfigError)


@pytest.mark.parametrize("column", FIXED_COLUMNS)
def test_no_fixed_column_of_the_scores_export_can_be_an_id(column: str) -> None:
    with pytest.raises(TemplateError, match="column of the scores export"):
        parse_template(card(YES_NO.replace("greeting", column)), FILE)


def test_a_valid_card_parses_with_defaults() -> None:
    text = card(
        YES_NO
        + """
        [[sections.criteria]]
        id = "notes"
        question = "Anything else?"
        kind = "text"
        weight = 0
        """
    )
    template = parse_template(text, FILE)
    assert template.name == "Team QA" and template.version == 2 and template.pass_mark == 80.0
    assert template.sections == ("Opening",)
    assert template.criteria == (
        Criterion("greeting", "Greeted?", CriterionKind.YES_NO, 1.0, section="Opening"),
        Criterion("notes", "Anything else?", CriterionKind.TEXT, 0.0, section="Opening"),
    )
    assert template.source == text


@pytest.mark.parametrize("name", ["support.toml", "sales.toml"])
def test_the_sample_templates_parse(name: str) -> None:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    template = parse_template(text, name)
    assert template.source == text
    assert len(template.sections) >= 2 and len(template.criteria) >= 6
    kinds = {c.kind for c in template.criteria}
    assert kinds == set(CriterionKind)
    assert any(c.critical for c in template.criteria)
    assert any(c.provider_field for c in template.criteria)
    assert all(c.section in template.sections for c in template.criteria)


def test_the_support_sample_matches_the_issue_example() -> None:
    template = parse_template((SAMPLES / "support.toml").read_text(encoding="utf-8"), "s")
    assert (template.name, template.version, template.pass_mark) == ("Support QA", 3, 80.0)
    assert template.sections == ("Opening", "Handling", "Closing")
    greeting = template.criterion("greeting")
    assert greeting == Criterion(
        "greeting",
        "Did the agent greet the caller and give its name?",
        CriterionKind.YES_NO,
        weight=2.0,
        na_allowed=True,
        provider_field="success",
        section="Opening",
    )
    resolution = template.criterion("resolution")
    assert resolution is not None and resolution.critical and resolution.weight == 3.0
    assert resolution.options == (
        Option("Resolved", 1.0),
        Option("Escalated", 0.5),
        Option("Unresolved", 0.0),
    )


def test_identical_text_gives_an_equal_template_and_a_changed_one_does_not() -> None:
    text = (SAMPLES / "sales.toml").read_text(encoding="utf-8")
    assert parse_template(text, "a.toml") == parse_template(text, "b.toml")
    # Only a comment differs: the same rubric, but not the same file to export back.
    assert parse_template(text, "a") != parse_template(text + "# edited\n", "a")


def test_quoted_keys_and_multi_line_strings_do_not_confuse_the_line_index() -> None:
    text = card(
        '''
        [[sections.criteria]]
        "id" = "x"
        question = """Two lines,
        kind = "not a key"
        [[sections.criteria]]"""
        kind = "yes_no"
        weight = -2  #!
        '''
    )
    with pytest.raises(TemplateError) as caught:
        parse_template(text, FILE)
    assert caught.value.line == marked_line(text)


# -- answers --------------------------------------------------------------------------------

YES = Criterion("greeting", "Greeted?", CriterionKind.YES_NO, na_allowed=True)
STRICT = Criterion("accuracy", "Correct?", CriterionKind.YES_NO)
SCALE = Criterion("empathy", "Empathy?", CriterionKind.SCALE, min=1, max=5)
CHOICE = Criterion(
    "resolution",
    "End?",
    CriterionKind.CHOICE,
    options=(Option("Resolved", 1.0), Option("Escalated", 0.5)),
)
TEXT = Criterion("notes", "Notes?", CriterionKind.TEXT, weight=0)


@pytest.mark.parametrize(
    "criterion, text, expected",
    [
        (YES, "yes", True),
        (YES, " No ", False),
        (YES, "Y", True),
        (YES, "na", NA),
        (YES, "N/A", NA),
        (SCALE, "1", 1),
        (SCALE, "5", 5),
        (SCALE, " 3 ", 3),
        (CHOICE, "Escalated", "Escalated"),
        (CHOICE, "resolved", "Resolved"),
        (TEXT, "Talked over the caller twice.", "Talked over the caller twice."),
        (TEXT, "na", "na"),
    ],
)
def test_parse_answer_reads_each_kind(criterion: Criterion, text: str, expected: object) -> None:
    assert parse_answer(criterion, text) == expected


@pytest.mark.parametrize(
    "criterion, text, words",
    [
        (STRICT, "na", "'accuracy' cannot be answered N/A; answer yes or no"),
        (YES, "maybe", "answer yes or no or na"),
        (SCALE, "0", "a whole number from 1 to 5"),
        (SCALE, "6", "a whole number from 1 to 5"),
        (SCALE, "4.5", "a whole number from 1 to 5"),
        (SCALE, "na", "cannot be answered N/A"),
        (CHOICE, "Unresolved", "one of 'Resolved', 'Escalated'"),
        (CHOICE, "", "one of 'Resolved', 'Escalated'"),
        (TEXT, "  ", "Give some text"),
    ],
)
def test_parse_answer_refuses_invalid_values_in_words(
    criterion: Criterion, text: str, words: str
) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        parse_answer(criterion, text)


# -- scoring: the documented worked example ------------------------------------------------


def support_answers(**changes: AnswerValue) -> dict[str, AnswerValue]:
    answers: dict[str, AnswerValue] = {
        "greeting": True,
        "identity_check": NA,
        "empathy": 4,
        "accuracy": True,
        "interruptions": "Once",
        "resolution": "Escalated",
        "next_steps": False,
        "coaching_note": "Summarise before hanging up.",
    }
    answers.update(changes)
    return answers


def test_the_worked_example_of_the_docs() -> None:
    template = parse_template((SAMPLES / "support.toml").read_text(encoding="utf-8"), "s")
    result = score_card(template, support_answers())
    # (2·1 + 1·0.75 + 3·1 + 1·0.5 + 3·0.5 + 1·0) / (2 + 1 + 3 + 1 + 3 + 1) = 7.75 / 11
    assert result.score == pytest.approx(70.4545, abs=1e-4)
    assert (result.shown, result.result, result.draft) == ("70.5", "fail", False)
    assert result.fractions == {
        "greeting": 1.0,
        "empathy": 0.75,
        "accuracy": 1.0,
        "interruptions": 0.5,
        "resolution": 0.5,
        "next_steps": 0.0,
    }
    better = score_card(template, support_answers(resolution="Resolved"))
    assert (better.shown, better.result) == ("84.1", "pass")
    # A critical criterion at 0 fails the card whatever the score.
    wrong = score_card(template, support_answers(resolution="Resolved", accuracy=False))
    assert (wrong.shown, wrong.result) == ("56.8", "fail")


def test_unanswered_non_text_criteria_make_a_draft_that_still_scores() -> None:
    template = parse_template((SAMPLES / "support.toml").read_text(encoding="utf-8"), "s")
    answers = support_answers()
    del answers["coaching_note"]
    assert score_card(template, answers).draft is False
    del answers["empathy"]
    result = score_card(template, answers)
    assert result.draft is True and result.shown == "70.0" and result.result == "fail"
    empty = score_card(template, {})
    assert (empty.score, empty.shown, empty.result, empty.draft) == (None, "n/a", "n/a", True)


def test_no_weighted_answer_is_no_score_unless_a_critical_criterion_failed() -> None:
    template = parse_template((SAMPLES / "support.toml").read_text(encoding="utf-8"), "s")
    only_na = score_card(template, {"greeting": NA, "identity_check": NA, "coaching_note": "ok"})
    assert (only_na.score, only_na.result) == (None, "n/a")
    text = card(YES_NO + "weight = 0\ncritical = true\n")
    zero_weight = parse_template(text, FILE)
    assert score_card(zero_weight, {"greeting": False}).result == "fail"
    assert score_card(zero_weight, {"greeting": True}).result == "n/a"


@pytest.mark.parametrize(
    "answers, words",
    [
        ({"greting": True}, "has no criterion 'greting'"),
        ({"accuracy": NA}, "'accuracy' cannot be answered N/A"),
        ({"greeting": "yes"}, "'yes' is not an answer to 'greeting'"),
        ({"empathy": 6}, "is not an answer to 'empathy'"),
        ({"empathy": True}, "is not an answer to 'empathy'"),
        ({"resolution": "resolved"}, "is not an answer to 'resolution'"),
        ({"coaching_note": 3}, "is not an answer to 'coaching_note'"),
    ],
)
def test_score_card_refuses_unknown_ids_and_values_that_do_not_fit(
    answers: dict[str, AnswerValue], words: str
) -> None:
    template = parse_template((SAMPLES / "support.toml").read_text(encoding="utf-8"), "s")
    with pytest.raises(ConfigError, match=words):
        score_card(template, answers)


# -- the provider's verdict -----------------------------------------------------------------


@pytest.mark.parametrize(
    "criterion, answer, provider, expected",
    [
        (YES, True, True, True),
        (YES, True, False, False),
        (YES, False, "false", True),
        (YES, True, "Success", True),
        (YES, True, " failed ", False),
        (YES, False, 0, True),
        (YES, True, "maybe", None),
        (YES, True, None, None),
        (YES, NA, True, None),
        (YES, None, True, None),
        (CHOICE, "Resolved", "resolved", True),
        (CHOICE, "Escalated", "Resolved", False),
        (CHOICE, "Resolved", "closed", None),
        (SCALE, 5, 5, None),
        (TEXT, "fine", "fine", None),
    ],
)
def test_agrees_with_provider(
    criterion: Criterion, answer: AnswerValue | None, provider: object, expected: bool | None
) -> None:
    assert agrees_with_provider(criterion, answer, provider) is expected
