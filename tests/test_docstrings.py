"""The estimators' docstrings agree with each other and with the code.

The three estimators document the entries they share (parameters and fitted
attributes) in the same words, apart from an explicit list of entries whose
meaning differs; every documented default is the signature's; and the excerpts
of ``skbackprop/backprop.py`` on the derivation page still find the lines that
anchor them.
"""

import ast
import inspect
import itertools
import re
from pathlib import Path

import pytest
from conftest import CLASSIFIERS, ESTIMATORS

from skbackprop import TinyMLPRegressor, backprop

DERIVATIONS = Path(__file__).resolve().parents[1] / "docs" / "derivations.rst"

# Shared entries whose text legitimately differs -> the estimators whose text
# differs from the others'. Every other shared entry has one type and one
# description in every docstring that has it.
MAY_DIFFER = {
    # Two weight matrices on standardised targets, with a penalty chosen on
    # held-out rows, against one, with LogisticRegression's C.
    "alpha": [TinyMLPRegressor],
    # The network's default is L-BFGS, and it says why.
    "solver": [TinyMLPRegressor],
    # The network's hidden layer has intercepts too ...
    "fit_intercept": [TinyMLPRegressor],
    # ... and random initial weights.
    "random_state": [TinyMLPRegressor],
    # Early stopping scores accuracy on a stratified split, or R².
    "early_stopping": [TinyMLPRegressor],
    "validation_scores_": [TinyMLPRegressor],
    "best_validation_score_": [TinyMLPRegressor],
}
SECTIONS = ["Parameters", "Attributes"]
PAIRS = list(itertools.combinations(ESTIMATORS, 2))


def _sections(Estimator):
    """The numpydoc sections of the class docstring: title -> lines of the body."""
    lines = inspect.getdoc(Estimator).splitlines()
    titles = [
        i
        for i, (line, underline) in enumerate(zip(lines, lines[1:]))
        if line and underline == "-" * len(line)
    ]
    ends = titles[1:] + [len(lines)]
    return {lines[i]: lines[i + 2 : end] for i, end in zip(titles, ends)}


def _entries(Estimator, section):
    """name -> (type, default or None, description with its spaces normalised)."""
    entries = {}
    for line in _sections(Estimator)[section]:
        if line and not line[0].isspace():
            name, _, kind = line.partition(" : ")
            kind, _, default = kind.partition(", default=")
            entry = entries[name] = (kind, default or None, [])
        elif line:
            entry[2].append(line)
    return {
        name: (kind, default, " ".join(" ".join(text).split()))
        for name, (kind, default, text) in entries.items()
    }


def _pair_id(pair):
    return "-".join(Estimator.__name__ for Estimator in pair)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_parameter_is_documented_in_order_with_its_default(Estimator):
    signature = inspect.signature(Estimator).parameters
    documented = []
    for entry, (_, default, _) in _entries(Estimator, "Parameters").items():
        names = entry.split(", ")
        documented += names
        expected = tuple(signature[name].default for name in names)
        assert default is not None, f"{entry}: no default documented"
        value = ast.literal_eval(default)
        value = value if isinstance(value, tuple) else (value,)
        assert [(v, type(v)) for v in value] == [(e, type(e)) for e in expected], entry
    assert documented == list(signature)


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("pair", PAIRS, ids=_pair_id)
def test_shared_entries_have_the_same_type_and_description(pair, section):
    a, b = pair
    entries_a, entries_b = _entries(a, section), _entries(b, section)
    for name in entries_a.keys() & entries_b.keys():
        if set(pair) & set(MAY_DIFFER.get(name, [])):
            continue
        kind_a, _, text_a = entries_a[name]
        kind_b, _, text_b = entries_b[name]
        assert kind_a == kind_b, name
        assert text_a == text_b, name


@pytest.mark.parametrize("name", sorted(MAY_DIFFER))
def test_each_entry_allowed_to_differ_does_differ(name):
    """An entry that came to agree leaves MAY_DIFFER, to be guarded again."""
    for Estimator in MAY_DIFFER[name]:
        section = "Attributes" if name.endswith("_") else "Parameters"
        own = _entries(Estimator, section)[name]
        others = [
            _entries(Other, section)[name]
            for Other in ESTIMATORS
            if Other is not Estimator and name in _entries(Other, section)
        ]
        assert others and all(own[::2] != other[::2] for other in others), name


@pytest.mark.parametrize("section", SECTIONS)
def test_the_two_classifiers_document_the_same_entries(section):
    names = [list(_entries(Classifier, section)) for Classifier in CLASSIFIERS]
    assert names[0] == names[1]


def _backprop_excerpts():
    """The options of each literalinclude of backprop.py on the derivation page."""
    excerpts = []
    for block in re.split(r"\n(?=\.\. )", DERIVATIONS.read_text()):
        if block.startswith(".. literalinclude:: ../skbackprop/backprop.py"):
            options = dict(re.findall(r"^\s+:([\w-]+):[ \t]*(.*)$", block, re.M))
            excerpts.append(options)
    return excerpts


EXCERPTS = _backprop_excerpts()


def test_the_derivation_page_shows_excerpts_of_backprop():
    assert len(EXCERPTS) >= 10


@pytest.mark.parametrize(
    "excerpt",
    EXCERPTS,
    ids=[f"{e['pyobject']}-{e['start-at']}" for e in EXCERPTS],
)
def test_every_excerpt_of_backprop_finds_its_anchors(excerpt):
    """As Sphinx cuts it: the object, from its start-at line to the next end-at."""
    lines = inspect.getsource(getattr(backprop, excerpt["pyobject"])).splitlines()
    start = next(
        (i for i, line in enumerate(lines) if excerpt["start-at"] in line), None
    )
    assert start is not None, f"no line has {excerpt['start-at']!r}"
    assert any(excerpt["end-at"] in line for line in lines[start:]), (
        f"no line from {excerpt['start-at']!r} on has {excerpt['end-at']!r}"
    )
