"""Scorecard templates (TOML, validated with file:line errors) and the scoring rule, stdlib only."""

from __future__ import annotations

import enum
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, TypeAlias, TypeGuard

from callreview.domain.errors import ConfigError

# The scores export starts with these columns, then one column per criterion id: an id
# equal to one of them would make two columns with one name.
FIXED_COLUMNS: Final = (
    "call_ref",
    "provider",
    "agent",
    "reviewer",
    "scored_at",
    "scorecard",
    "version",
    "score",
    "result",
)

# Ids become CSV column names and `--answer ID=VALUE` arguments: lowercase only, so two ids
# never differ by case alone, and nothing a shell or a spreadsheet would trip on.
ID_PATTERN: Final = re.compile(r"[a-z][a-z0-9_-]{0,63}")

_ROOT_KEYS: Final = ("name", "version", "pass_mark", "sections")
_SECTION_KEYS: Final = ("title", "criteria")
_CRITERION_KEYS: Final = (
    "id",
    "question",
    "kind",
    "weight",
    "na_allowed",
    "critical",
    "provider_field",
    "min",
    "max",
    "options",
)
_OPTION_KEYS: Final = ("label", "points")


class CriterionKind(enum.StrEnum):
    """How a criterion is answered."""

    YES_NO = "yes_no"
    SCALE = "scale"
    CHOICE = "choice"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Option:
    """One answer of a choice criterion and the fraction (0..1) it scores."""

    label: str
    points: float


@dataclass(frozen=True, slots=True)
class Criterion:
    """One question of a scorecard. Text criteria carry no weight (always 0)."""

    id: str
    question: str
    kind: CriterionKind
    weight: float = 1.0
    na_allowed: bool = False
    critical: bool = False
    provider_field: str | None = None
    min: int | None = None
    max: int | None = None
    options: tuple[Option, ...] = ()
    section: str = ""

    def option(self, label: str) -> Option | None:
        """The option with exactly this label, if any."""
        return next((o for o in self.options if o.label == label), None)


@dataclass(frozen=True, slots=True)
class Template:
    """A validated scorecard template; `source` is the imported text, byte for byte."""

    name: str
    version: int
    pass_mark: float
    sections: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    source: str

    def criterion(self, criterion_id: str) -> Criterion | None:
        """The criterion with this id, if the template has one."""
        return next((c for c in self.criteria if c.id == criterion_id), None)


class TemplateError(ConfigError):
    """A template file is invalid; `str()` is `FILE:LINE: reason`, as editors and CI expect."""

    def __init__(self, filename: str, line: int, reason: str) -> None:
        super().__init__(f"{filename}:{line}: {reason}")
        self.filename = filename
        self.line = line
        self.reason = reason


# -- where things are in the text ----------------------------------------------------------

# tomllib returns plain dicts without positions, so a small scanner records, for every table
# occurrence, its header line and the line of each key. It only ever runs on text tomllib has
# accepted, which keeps it simple: it needs to follow strings, comments and brackets, not
# to judge them.

_BARE_KEY = r"[A-Za-z0-9_-]+"
_QUOTED_KEY = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_KEY_PART = rf"(?:{_BARE_KEY}|{_QUOTED_KEY})"
_DOTTED_KEY = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_DOTTED_KEY})\s*\]\]?")
_KEY_LINE = re.compile(rf"\s*({_DOTTED_KEY})\s*=")
_KEY_PARTS = re.compile(_KEY_PART)


def _key_path(dotted: str) -> tuple[str, ...]:
    parts = []
    for part in _KEY_PARTS.findall(dotted):
        if part[0] == '"':
            part = part[1:-1].encode().decode("unicode_escape")
        elif part[0] == "'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


@dataclass(slots=True)
class _Table:
    """Lines of one table occurrence: its header, its keys, and each key's array elements."""

    line: int
    keys: dict[str, int] = field(default_factory=dict)
    elements: dict[str, list[int]] = field(default_factory=dict)

    def key(self, name: str) -> int:
        """The key's line, or the header's when the key is absent."""
        return self.keys.get(name, self.line)

    def element(self, name: str, index: int) -> int:
        """The line of the index-th element of an array key, else the key's line."""
        lines = self.elements.get(name, [])
        return lines[index] if index < len(lines) else self.key(name)


@dataclass(slots=True)
class _Section:
    table: _Table
    criteria: list[_Table] = field(default_factory=list)


@dataclass(slots=True)
class _LineIndex:
    root: _Table
    sections: list[_Section]

    def section(self, index: int) -> _Table:
        if index < len(self.sections):
            return self.sections[index].table
        return _Table(self.root.key("sections"))

    def criterion(self, section: int, index: int) -> _Table:
        if section < len(self.sections):
            found = self.sections[section]
            if index < len(found.criteria):
                return found.criteria[index]
            return _Table(found.table.key("criteria"))
        return _Table(self.section(section).line)


def _index_lines(text: str) -> _LineIndex:
    root = _Table(1)
    sections: list[_Section] = []
    current = root  # the table that `key =` lines belong to
    array_key: str | None = None  # the key whose value is open over several lines
    depth = 0  # brackets open in a value
    in_string: str | None = None  # the delimiter of a multi-line string still open

    for number, line in enumerate(text.splitlines(), start=1):
        pos = 0
        if in_string is None and depth == 0:
            array_key = None
            header = _HEADER.match(line)
            key_line = _KEY_LINE.match(line)
            if header and not key_line:
                path = _key_path(header.group(2))
                is_array = header.group(1) == "[["
                current = _enter(root, sections, path, is_array, number)
                pos = header.end()
            elif key_line:
                name = _key_path(key_line.group(1))[0]
                current.keys.setdefault(name, number)
                array_key = name
                pos = key_line.end()
        depth, in_string, pos = _scan(line, pos, depth, in_string, current, array_key, number)
    return _LineIndex(root, sections)


def _enter(
    root: _Table, sections: list[_Section], path: tuple[str, ...], is_array: bool, number: int
) -> _Table:
    """Record a table header and return the table its keys go to."""
    if path == ("sections",) and is_array:
        section = _Section(_Table(number))
        sections.append(section)
        return section.table
    if path[0] != "sections" or not sections:
        root.keys.setdefault(path[0], number)
        return _Table(number)
    section = sections[-1]
    if path == ("sections", "criteria") and is_array:
        criterion = _Table(number)
        section.criteria.append(criterion)
        return criterion
    if path[1] != "criteria" or len(path) == 2 or not section.criteria:
        section.table.keys.setdefault(path[1], number)
        return _Table(number)
    criterion = section.criteria[-1]
    # [[sections.criteria.options]]: each occurrence is one element of the options array.
    criterion.keys.setdefault(path[2], number)
    if len(path) == 3 and is_array:
        criterion.elements.setdefault(path[2], []).append(number)
    return _Table(number)


def _scan(
    line: str,
    pos: int,
    depth: int,
    in_string: str | None,
    table: _Table,
    array_key: str | None,
    number: int,
) -> tuple[int, str | None, int]:
    """Follow strings, comments and brackets to the end of the line."""
    while pos < len(line):
        if in_string is not None:
            end = line.find(in_string, pos)
            if in_string == '"""':
                while end > 0 and _escaped(line, end):
                    end = line.find(in_string, end + 1)
            if end < 0:
                return depth, in_string, len(line)
            pos = end + len(in_string)
            in_string = None
            continue
        char = line[pos]
        if char == "#":
            break
        if line.startswith(('"""', "'''"), pos):
            in_string = line[pos : pos + 3]
            pos += 3
        elif char == '"':
            pos += 1
            while pos < len(line) and line[pos] != '"':
                pos += 2 if line[pos] == "\\" else 1
            pos += 1
        elif char == "'":
            end = line.find("'", pos + 1)
            pos = len(line) if end < 0 else end + 1
        elif char in "[{":
            # An inline table directly inside the key's array is one element (an option).
            if char == "{" and depth == 1 and array_key is not None:
                table.elements.setdefault(array_key, []).append(number)
            depth += 1
            pos += 1
        elif char in "]}":
            depth -= 1
            pos += 1
        else:
            pos += 1
    return depth, in_string, pos


def _escaped(line: str, at: int) -> bool:
    backslashes = len(line[:at]) - len(line[:at].rstrip("\\"))
    return backslashes % 2 == 1


# -- parsing and validation ----------------------------------------------------------------

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)|\s*\(at end of document\)")


def parse_template(text: str, filename: str) -> Template:
    """Read and validate a template; raises TemplateError naming the offending line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = max(1, len(text.splitlines()))
        if found and found.group(1):
            line = int(found.group(1))
        reason = _TOML_POSITION.sub("", message).rstrip(".")
        raise TemplateError(filename, line, f"not valid TOML: {reason}") from exc
    return _Validator(filename, _index_lines(text)).template(data, text)


@dataclass(slots=True)
class _Validator:
    filename: str
    index: _LineIndex

    def fail(self, line: int, reason: str) -> TemplateError:
        return TemplateError(self.filename, line, reason)

    def template(self, data: dict[str, object], text: str) -> Template:
        root = self.index.root
        self.no_unknown_keys(data, _ROOT_KEYS, root, "the template")
        name = self.text(data, "name", root, "the template", required=True)
        assert name is not None
        version = data.get("version")
        if version is None:
            raise self.fail(root.line, "the template has no 'version' (a whole number, 1 or more)")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail(
                root.key("version"), f"'version' must be a whole number, 1 or more, not {version!r}"
            )
        pass_mark = data.get("pass_mark")
        if pass_mark is None:
            raise self.fail(root.line, "the template has no 'pass_mark' (a percentage, 0 to 100)")
        if not _is_number(pass_mark) or not 0 <= pass_mark <= 100:
            raise self.fail(
                root.key("pass_mark"),
                f"'pass_mark' must be a percentage, 0 to 100, not {pass_mark!r}",
            )
        sections = data.get("sections")
        if sections is None:
            raise self.fail(root.line, "the template has no [[sections]]")
        if not isinstance(sections, list) or not all(isinstance(s, dict) for s in sections):
            raise self.fail(
                root.key("sections"), "'sections' must be a list of [[sections]] tables"
            )
        if not sections:
            raise self.fail(root.key("sections"), "the template has no [[sections]]")

        titles: list[str] = []
        criteria: list[Criterion] = []
        lines_of_ids: dict[str, int] = {}
        for number, section in enumerate(sections):
            title, found = self.section(number, section, titles, lines_of_ids)
            titles.append(title)
            criteria.extend(found)
        return Template(
            name=name,
            version=version,
            pass_mark=float(pass_mark),
            sections=tuple(titles),
            criteria=tuple(criteria),
            source=text,
        )

    def section(
        self,
        number: int,
        data: dict[str, object],
        titles: list[str],
        lines_of_ids: dict[str, int],
    ) -> tuple[str, list[Criterion]]:
        lines = self.index.section(number)
        what = f"section {number + 1}"
        self.no_unknown_keys(data, _SECTION_KEYS, lines, what)
        title = self.text(data, "title", lines, what, required=True)
        assert title is not None
        if title in titles:
            raise self.fail(lines.key("title"), f"two sections are titled {title!r}")
        criteria = data.get("criteria")
        if criteria is None or criteria == []:
            raise self.fail(lines.line, f"section {title!r} has no [[sections.criteria]]")
        if not isinstance(criteria, list) or not all(isinstance(c, dict) for c in criteria):
            raise self.fail(
                lines.key("criteria"),
                f"'criteria' of section {title!r} must be a list of [[sections.criteria]] tables",
            )
        found = [
            self.criterion(self.index.criterion(number, i), item, title, lines_of_ids)
            for i, item in enumerate(criteria)
        ]
        return title, found

    def criterion(
        self, lines: _Table, data: dict[str, object], section: str, lines_of_ids: dict[str, int]
    ) -> Criterion:
        what = "a criterion"
        raw_id = data.get("id")
        if raw_id is None:
            raise self.fail(lines.line, f"a criterion in section {section!r} has no 'id'")
        if not isinstance(raw_id, str) or not ID_PATTERN.fullmatch(raw_id):
            raise self.fail(
                lines.key("id"),
                f"criterion id {raw_id!r} must start with a lowercase letter and hold only "
                "lowercase letters, digits, '_' and '-' (64 at most)",
            )
        cid = raw_id
        what = f"criterion {cid!r}"
        if cid in lines_of_ids:
            raise self.fail(
                lines.key("id"), f"criterion id {cid!r} is already used on line {lines_of_ids[cid]}"
            )
        if cid in FIXED_COLUMNS:
            raise self.fail(
                lines.key("id"),
                f"criterion id {cid!r} is a column of the scores export; choose another id",
            )
        lines_of_ids[cid] = lines.key("id")
        self.no_unknown_keys(data, _CRITERION_KEYS, lines, what)
        question = self.text(data, "question", lines, what, required=True)
        assert question is not None

        raw_kind = data.get("kind")
        if raw_kind is None:
            raise self.fail(lines.line, f"{what} has no 'kind' ({_kinds()})")
        if raw_kind not in list(CriterionKind):
            raise self.fail(
                lines.key("kind"), f"{what} has an unknown kind {raw_kind!r}; use {_kinds()}"
            )
        kind = CriterionKind(str(raw_kind))

        na_allowed = self.flag(data, "na_allowed", lines, what)
        critical = self.flag(data, "critical", lines, what)
        provider_field = self.text(data, "provider_field", lines, what, required=False)

        weight = data.get("weight", 1)
        if kind is CriterionKind.TEXT:
            # A weight on a text criterion would promise something the rule never does.
            if "weight" in data and weight != 0:
                raise self.fail(
                    lines.key("weight"), f"{what} is a text criterion: text carries no weight"
                )
            if critical:
                raise self.fail(
                    lines.key("critical"), f"{what} is a text criterion: text cannot be critical"
                )
            weight = 0
        if not _is_number(weight) or not math.isfinite(weight):
            raise self.fail(
                lines.key("weight"), f"{what}: 'weight' must be a number, not {weight!r}"
            )
        if weight < 0:
            raise self.fail(
                lines.key("weight"), f"{what}: 'weight' must be 0 or more, not {weight!r}"
            )

        low, high = self.scale(kind, data, lines, what)
        options = self.options(kind, data, lines, what)
        return Criterion(
            id=cid,
            question=question,
            kind=kind,
            weight=float(weight),
            na_allowed=na_allowed,
            critical=critical,
            provider_field=provider_field,
            min=low,
            max=high,
            options=options,
            section=section,
        )

    def scale(
        self, kind: CriterionKind, data: dict[str, object], lines: _Table, what: str
    ) -> tuple[int | None, int | None]:
        if kind is not CriterionKind.SCALE:
            for key in ("min", "max"):
                if key in data:
                    raise self.fail(lines.key(key), f"{what}: only scale criteria have '{key}'")
            return None, None
        bounds: list[int] = []
        for key in ("min", "max"):
            value = data.get(key)
            if value is None:
                raise self.fail(lines.line, f"{what} is a scale but has no '{key}'")
            if not isinstance(value, int) or isinstance(value, bool):
                raise self.fail(
                    lines.key(key), f"{what}: '{key}' must be a whole number, not {value!r}"
                )
            bounds.append(value)
        low, high = bounds
        if low >= high:
            raise self.fail(
                lines.key("max"), f"{what}: 'max' ({high}) must be greater than 'min' ({low})"
            )
        return low, high

    def options(
        self, kind: CriterionKind, data: dict[str, object], lines: _Table, what: str
    ) -> tuple[Option, ...]:
        raw = data.get("options")
        if kind is not CriterionKind.CHOICE:
            if raw is not None:
                raise self.fail(
                    lines.key("options"), f"{what}: only choice criteria have 'options'"
                )
            return ()
        if raw is None:
            raise self.fail(lines.line, f"{what} is a choice but has no 'options'")
        if not isinstance(raw, list) or not raw:
            raise self.fail(
                lines.key("options"),
                f"{what}: 'options' must be a list of {{ label = \"…\", points = 0…1 }}",
            )
        options: list[Option] = []
        for number, item in enumerate(raw):
            line = lines.element("options", number)
            if not isinstance(item, dict):
                raise self.fail(
                    line, f'{what}: option {number + 1} must be {{ label = "…", points = 0…1 }}'
                )
            unknown = [key for key in item if key not in _OPTION_KEYS]
            if unknown:
                raise self.fail(
                    line, f"{what}: option {number + 1} has an unknown key {unknown[0]!r}"
                )
            label = item.get("label")
            if not isinstance(label, str) or not label.strip():
                raise self.fail(line, f"{what}: option {number + 1} has no 'label'")
            if label.strip().casefold() in ("na", "n/a"):
                raise self.fail(
                    line, f"{what}: {label!r} is how N/A is answered; name the option otherwise"
                )
            if any(o.label.casefold() == label.strip().casefold() for o in options):
                raise self.fail(line, f"{what}: two options are labelled {label!r}")
            points = item.get("points")
            if points is None:
                raise self.fail(line, f"{what}: option {label!r} has no 'points' (0 to 1)")
            if not _is_number(points) or not 0 <= points <= 1:
                raise self.fail(
                    line, f"{what}: option {label!r} has points {points!r}; points are 0 to 1"
                )
            options.append(Option(label.strip(), float(points)))
        return tuple(options)

    def text(
        self, data: dict[str, object], key: str, lines: _Table, what: str, *, required: bool
    ) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(lines.line, f"{what} has no '{key}'")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(lines.key(key), f"{what}: '{key}' must be some text, not {value!r}")
        return value.strip()

    def flag(self, data: dict[str, object], key: str, lines: _Table, what: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(lines.key(key), f"{what}: '{key}' must be true or false, not {value!r}")
        return value

    def no_unknown_keys(
        self, data: dict[str, object], known: tuple[str, ...], lines: _Table, what: str
    ) -> None:
        # A misspelt key ("wieght") would otherwise be silently ignored.
        for key in data:
            if key not in known:
                raise self.fail(
                    lines.key(key), f"{what} has an unknown key {key!r}; known: {', '.join(known)}"
                )


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kinds() -> str:
    return " | ".join(CriterionKind)


# -- answers -------------------------------------------------------------------------------


class _NA(enum.Enum):
    """The "not applicable" answer; an enum member so `answer is NA` narrows the type."""

    NA = "na"

    def __repr__(self) -> str:
        return "NA"


NA: Final = _NA.NA

# yes_no → bool, scale → int, choice → the option's label, text → the text; or NA.
AnswerValue: TypeAlias = bool | int | str | _NA


def parse_answer(criterion: Criterion, text: str) -> AnswerValue:
    """Read `--answer ID=VALUE`'s VALUE for this criterion; raises ConfigError in words.

    yes_no: yes | no; scale: a whole number within min..max; choice: an option's label (case
    does not matter); text: the text as typed. `na` is N/A where the criterion allows it
    (for every kind but text, whose value is always the text).
    """
    value = text.strip()
    if criterion.kind is CriterionKind.TEXT:
        if not value:
            raise ConfigError(f"Give some text for {criterion.id!r}.")
        return text
    if value.casefold() in ("na", "n/a"):
        if not criterion.na_allowed:
            raise ConfigError(f"{criterion.id!r} cannot be answered N/A; {_expected(criterion)}.")
        return NA
    if criterion.kind is CriterionKind.YES_NO:
        folded = value.casefold()
        if folded in ("yes", "y"):
            return True
        if folded in ("no", "n"):
            return False
    elif criterion.kind is CriterionKind.SCALE:
        if re.fullmatch(r"[+-]?[0-9]+", value):
            number = int(value)
            assert criterion.min is not None and criterion.max is not None
            if criterion.min <= number <= criterion.max:
                return number
    else:
        for option in criterion.options:
            if option.label.casefold() == value.casefold():
                return option.label
    raise ConfigError(f"{value!r} is not an answer to {criterion.id!r}; {_expected(criterion)}.")


def _expected(criterion: Criterion) -> str:
    na = " or na" if criterion.na_allowed else ""
    if criterion.kind is CriterionKind.YES_NO:
        return f"answer yes or no{na}"
    if criterion.kind is CriterionKind.SCALE:
        return f"answer a whole number from {criterion.min} to {criterion.max}{na}"
    if criterion.kind is CriterionKind.CHOICE:
        labels = ", ".join(repr(o.label) for o in criterion.options)
        return f"answer one of {labels}{na}"
    return "answer with some text"


# -- the scoring rule ----------------------------------------------------------------------

Result = Literal["pass", "fail", "n/a"]


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A card's score: the unrounded percentage (None without a weighted answer), the score as
    shown (one decimal, rounded half up, or "n/a"), the result, whether it is a draft (a
    non-text criterion unanswered), and each scored criterion's fraction (0..1) by id."""

    score: float | None
    shown: str
    result: Result
    draft: bool
    fractions: dict[str, float]


def score_card(template: Template, answers: Mapping[str, AnswerValue]) -> ScoreResult:
    """Score answers against a template by the documented rule (docs/scorecards.md).

    Raises ConfigError for an unknown criterion id or a value that does not fit its criterion.
    """
    unknown = [cid for cid in answers if template.criterion(cid) is None]
    if unknown:
        known = ", ".join(c.id for c in template.criteria)
        raise ConfigError(
            f"{template.name!r} has no criterion {unknown[0]!r}; its criteria are: {known}."
        )
    # Exact arithmetic: the shown score is rounded half up on the exact value, and pass_mark
    # compares with the unrounded one, so neither may carry a float's error.
    numerator = Fraction(0)
    denominator = Fraction(0)
    fractions: dict[str, float] = {}
    critical_zero = False
    draft = False
    for criterion in template.criteria:
        answer = answers.get(criterion.id)
        if answer is None:
            draft = draft or criterion.kind is not CriterionKind.TEXT
            continue
        fraction = _fraction(criterion, answer)
        if fraction is None:
            continue
        fractions[criterion.id] = float(fraction)
        if criterion.critical and fraction == 0:
            critical_zero = True
        if criterion.weight > 0:
            weight = Fraction(criterion.weight)
            numerator += weight * fraction
            denominator += weight

    exact: Fraction | None = None
    if denominator == 0:
        score = None
        shown = "n/a"
    else:
        exact = 100 * numerator / denominator
        score = float(exact)
        # Half up on the exact value: floor(10·x + ½) for x ≥ 0, then one decimal.
        tenths = math.floor(exact * 10 + Fraction(1, 2))
        shown = str(Decimal(tenths).scaleb(-1).quantize(Decimal("0.1")))
    result: Result
    if critical_zero:
        # A failed critical criterion fails the card even when nothing weighted is answered.
        result = "fail"
    elif exact is None:
        result = "n/a"
    else:
        result = "pass" if exact >= Fraction(template.pass_mark) else "fail"
    return ScoreResult(score, shown, result, draft, fractions)


def _fraction(criterion: Criterion, answer: AnswerValue) -> Fraction | None:
    """The answer's fraction in [0, 1]; None for N/A and text. ConfigError if it does not fit."""
    if answer is NA:
        if not criterion.na_allowed:
            raise ConfigError(f"{criterion.id!r} cannot be answered N/A; {_expected(criterion)}.")
        return None
    kind = criterion.kind
    if kind is CriterionKind.TEXT:
        if isinstance(answer, str):
            return None
    elif kind is CriterionKind.YES_NO:
        if isinstance(answer, bool):
            return Fraction(1 if answer else 0)
    elif kind is CriterionKind.SCALE:
        if isinstance(answer, int) and not isinstance(answer, bool):
            low, high = criterion.min, criterion.max
            assert low is not None and high is not None
            if low <= answer <= high:
                return Fraction(answer - low, high - low)
    elif isinstance(answer, str):
        option = criterion.option(answer)
        if option is not None:
            return Fraction(option.points)
    raise ConfigError(f"{answer!r} is not an answer to {criterion.id!r}; {_expected(criterion)}.")


# -- the provider's verdict ----------------------------------------------------------------

_PROVIDER_YES: Final = frozenset(
    {"true", "yes", "y", "1", "success", "successful", "succeeded", "pass", "passed", "ok"}
)
_PROVIDER_NO: Final = frozenset(
    {"false", "no", "n", "0", "failure", "failed", "fail", "unsuccessful", "not ok"}
)


def agrees_with_provider(
    criterion: Criterion, answer: AnswerValue | None, provider_value: object
) -> bool | None:
    """Whether the reviewer's answer agrees with the provider's value; None if not comparable.

    yes_no: the provider's bool, 0/1, or a word such as "true"/"success"/"failed" (any case);
    choice: a provider string equal to an option's label (any case). Anything else (scale,
    text, N/A, no answer, an unrecognised provider value) is not comparable.
    """
    if answer is None or answer is NA:
        return None
    if criterion.kind is CriterionKind.YES_NO and isinstance(answer, bool):
        verdict: bool | None = None
        if isinstance(provider_value, bool):
            verdict = provider_value
        elif isinstance(provider_value, int | float) and provider_value in (0, 1):
            verdict = provider_value == 1
        elif isinstance(provider_value, str):
            word = provider_value.strip().casefold()
            verdict = True if word in _PROVIDER_YES else False if word in _PROVIDER_NO else None
        return None if verdict is None else verdict == answer
    if criterion.kind is CriterionKind.CHOICE and isinstance(answer, str):
        if isinstance(provider_value, str):
            word = provider_value.strip().casefold()
            if any(o.label.casefold() == word for o in criterion.options):
                return answer.casefold() == word
    return None
