"""The scoring rule of scorecards, as properties: bounds, monotony, N/A, critical, rounding."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from callreview.domain.scorecard import (
    NA,
    AnswerValue,
    Criterion,
    CriterionKind,
    Option,
    Template,
    score_card,
)

weights = st.one_of(
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]),
    st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False),
)
points = st.floats(min_value=0, max_value=1, allow_nan=False)


@st.composite
def criteria(draw: st.DrawFn, index: int) -> Criterion:
    kind = draw(st.sampled_from(list(CriterionKind)))
    cid = f"c{index}"
    common = {
        "id": cid,
        "question": "?",
        "kind": kind,
        "weight": 0.0 if kind is CriterionKind.TEXT else draw(weights),
        "na_allowed": draw(st.booleans()),
        "critical": kind is not CriterionKind.TEXT and draw(st.booleans()),
        "section": "S",
    }
    if kind is CriterionKind.SCALE:
        low = draw(st.integers(-5, 5))
        high = draw(st.integers(low + 1, low + 10))
        return Criterion(**common, min=low, max=high)  # type: ignore[arg-type]
    if kind is CriterionKind.CHOICE:
        # Every choice has a best (1) and a worst (0) option, so all-max and all-min exist.
        middle = draw(st.lists(points, max_size=3))
        values = [1.0, *middle, 0.0]
        options = tuple(Option(f"o{i}", p) for i, p in enumerate(values))
        return Criterion(**common, options=options)  # type: ignore[arg-type]
    return Criterion(**common)  # type: ignore[arg-type]


@st.composite
def templates(draw: st.DrawFn) -> Template:
    count = draw(st.integers(1, 8))
    found = tuple(draw(criteria(i)) for i in range(count))
    pass_mark = draw(st.one_of(st.sampled_from([0.0, 50.0, 80.0, 100.0]), st.floats(0, 100)))
    return Template("T", 1, pass_mark, ("S",), found, "")


def answer_values(criterion: Criterion) -> st.SearchStrategy[AnswerValue]:
    if criterion.kind is CriterionKind.YES_NO:
        return st.booleans()
    if criterion.kind is CriterionKind.SCALE:
        assert criterion.min is not None and criterion.max is not None
        return st.integers(criterion.min, criterion.max)
    if criterion.kind is CriterionKind.CHOICE:
        return st.sampled_from([o.label for o in criterion.options])
    return st.text(max_size=20)


@st.composite
def cards(draw: st.DrawFn) -> tuple[Template, dict[str, AnswerValue]]:
    """A template and some answers: each criterion answered, N/A (where allowed) or not."""
    template = draw(templates())
    answers: dict[str, AnswerValue] = {}
    for criterion in template.criteria:
        choice = draw(st.sampled_from(["answer", "answer", "na", "none"]))
        if choice == "answer":
            answers[criterion.id] = draw(answer_values(criterion))
        elif choice == "na" and criterion.na_allowed:
            answers[criterion.id] = NA
    return template, answers


def fraction_of(criterion: Criterion, answer: AnswerValue) -> Fraction:
    if isinstance(answer, bool):
        return Fraction(int(answer))
    if isinstance(answer, int):
        assert criterion.min is not None and criterion.max is not None
        return Fraction(answer - criterion.min, criterion.max - criterion.min)
    option = criterion.option(answer) if isinstance(answer, str) else None
    assert option is not None
    return Fraction(option.points)


def exact_score(template: Template, answers: dict[str, AnswerValue]) -> Fraction | None:
    """The rule, written out again: Σ(w·f) / Σ(w) over answered, non-N/A, weighted criteria."""
    top = bottom = Fraction(0)
    for criterion in template.criteria:
        answer = answers.get(criterion.id)
        if answer is None or answer is NA or criterion.kind is CriterionKind.TEXT:
            continue
        if criterion.weight > 0:
            top += Fraction(criterion.weight) * fraction_of(criterion, answer)
            bottom += Fraction(criterion.weight)
    return None if bottom == 0 else 100 * top / bottom


def critical_zero(template: Template, answers: dict[str, AnswerValue]) -> bool:
    return any(
        c.critical
        and (answer := answers.get(c.id)) is not None
        and answer is not NA
        and fraction_of(c, answer) == 0
        for c in template.criteria
    )


def extreme_answer(criterion: Criterion, best: bool) -> AnswerValue:
    """The answer with fraction 1 (best) or 0 (worst); any text for a text criterion."""
    if criterion.kind is CriterionKind.YES_NO:
        return best
    if criterion.kind is CriterionKind.SCALE:
        bound = criterion.max if best else criterion.min
        assert bound is not None
        return bound
    if criterion.kind is CriterionKind.CHOICE:
        pick = max if best else min
        return pick(criterion.options, key=lambda o: o.points).label
    return "text"


@settings(report_multiple_bugs=False)
@given(cards())
def test_score_is_within_0_and_100_and_follows_the_rule(
    card: tuple[Template, dict[str, AnswerValue]],
) -> None:
    template, answers = card
    result = score_card(template, answers)
    exact = exact_score(template, answers)
    if exact is None:
        assert (result.score, result.shown) == (None, "n/a")
    else:
        assert result.score is not None and 0 <= result.score <= 100
        assert result.score == float(exact)
    # Result: a critical zero fails; else the unrounded score against pass_mark; else n/a.
    if critical_zero(template, answers):
        assert result.result == "fail"
    elif exact is None:
        assert result.result == "n/a"
    else:
        assert result.result == ("pass" if exact >= Fraction(template.pass_mark) else "fail")
    unanswered = [
        c for c in template.criteria if c.id not in answers and c.kind is not CriterionKind.TEXT
    ]
    assert result.draft == bool(unanswered)


@settings(report_multiple_bugs=False)
@given(cards(), st.data())
def test_raising_one_answer_never_lowers_the_score(
    card: tuple[Template, dict[str, AnswerValue]], data: st.DataObject
) -> None:
    template, answers = card
    scored = [
        c
        for c in template.criteria
        if c.kind is not CriterionKind.TEXT and answers.get(c.id, NA) is not NA
    ]
    if not scored:
        return
    criterion = data.draw(st.sampled_from(scored))
    before = fraction_of(criterion, answers[criterion.id])
    higher = data.draw(
        answer_values(criterion).filter(lambda a: fraction_of(criterion, a) >= before)
    )
    old = score_card(template, answers)
    new = score_card(template, {**answers, criterion.id: higher})
    if criterion.weight > 0:
        assert old.score is not None and new.score is not None
        assert new.score >= old.score
    else:
        assert new.score == old.score
    # Raising an answer never turns a pass into a fail.
    assert not (old.result == "pass" and new.result == "fail")


@settings(report_multiple_bugs=False)
@given(cards(), st.data())
def test_na_and_text_answers_do_not_change_the_score(
    card: tuple[Template, dict[str, AnswerValue]], data: st.DataObject
) -> None:
    template, answers = card
    counted = {
        cid: a
        for cid, a in answers.items()
        if a is not NA and template.criterion(cid).kind is not CriterionKind.TEXT  # type: ignore[union-attr]
    }
    full = score_card(template, answers)
    bare = score_card(template, counted)
    assert (full.score, full.shown, full.result, full.fractions) == (
        bare.score,
        bare.shown,
        bare.result,
        bare.fractions,
    )
    # Any other text, or N/A instead of no answer, changes nothing either.
    more = dict(answers)
    for criterion in template.criteria:
        if criterion.kind is CriterionKind.TEXT:
            more[criterion.id] = data.draw(st.text(max_size=5))
        elif criterion.id not in more and criterion.na_allowed:
            more[criterion.id] = NA
    other = score_card(template, more)
    assert (other.score, other.result) == (full.score, full.result)


@settings(report_multiple_bugs=False)
@given(templates())
def test_all_best_answers_score_100_and_all_worst_score_0(template: Template) -> None:
    best = {c.id: extreme_answer(c, True) for c in template.criteria}
    worst = {c.id: extreme_answer(c, False) for c in template.criteria}
    high, low = score_card(template, best), score_card(template, worst)
    if not any(c.weight > 0 for c in template.criteria):
        assert high.score is None and low.score is None
        return
    assert (high.score, high.shown, high.result, high.draft) == (100.0, "100.0", "pass", False)
    assert (low.score, low.shown) == (0.0, "0.0")
    assert low.result == (
        "pass" if template.pass_mark == 0 and not critical_zero(template, worst) else "fail"
    )


@settings(report_multiple_bugs=False)
@given(cards(), st.data())
def test_a_critical_criterion_at_zero_always_fails(
    card: tuple[Template, dict[str, AnswerValue]], data: st.DataObject
) -> None:
    template, answers = card
    index = data.draw(st.integers(0, len(template.criteria) - 1))
    criterion = template.criteria[index]
    if criterion.kind is CriterionKind.TEXT:
        return
    critical = replace(criterion, critical=True)
    template = replace(
        template,
        criteria=(*template.criteria[:index], critical, *template.criteria[index + 1 :]),
    )
    answers = {**answers, critical.id: extreme_answer(critical, False)}
    assert score_card(template, answers).result == "fail"


def twentieths(pass_mark: float = 80) -> Template:
    """One scale 0..2000: the score is value / 20, so odd values land exactly on .x5."""
    scale = Criterion("s", "?", CriterionKind.SCALE, min=0, max=2000, section="S")
    return Template("T", 1, pass_mark, ("S",), (scale,), "")


@settings(report_multiple_bugs=False)
@given(st.integers(0, 2000))
@example(1)  # 0.05 → 0.1
@example(3)  # 0.15 → 0.2 (float round() gives 0.1)
@example(1599)  # 79.95 → 80.0
@example(2000)
def test_shown_score_rounds_half_up_to_one_decimal(value: int) -> None:
    result = score_card(twentieths(), {"s": value})
    expected = (Decimal(value) / Decimal(20)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert result.shown == str(expected)
    if value % 2:
        # On a .x5 boundary the shown score is always the upper neighbour.
        assert Decimal(result.shown) > Decimal(value) / 20


@settings(report_multiple_bugs=False)
@given(st.integers(0, 2000), st.integers(0, 100))
@example(1599, 80)  # unrounded 79.95 < 80 fails, though it shows as 80.0
@example(1600, 80)  # exactly the pass mark passes
def test_pass_compares_the_unrounded_score_with_pass_mark(value: int, pass_mark: int) -> None:
    result = score_card(twentieths(pass_mark), {"s": value})
    assert result.result == ("pass" if Fraction(value, 20) >= pass_mark else "fail")
