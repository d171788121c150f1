"""The estimators' docstrings are whole, and agree with the code.

The entries that several estimators share (parameters and fitted attributes)
are written once, in ``skbackprop/_docs.py``, and composed into each class
docstring; every parameter is documented once, in order, with the signature's
default; and the excerpts of ``skbackprop/backprop.py`` on the derivation page
still find the lines that anchor them.
"""

import ast
import inspect
import re
from pathlib import Path

import pytest
from conftest import CLASSIFIERS, ESTIMATORS

from skbackprop import _docs, backprop

DERIVATIONS = Path(__file__).resolve().parents[1] / "docs" / "derivations.rst"
SECTIONS = ["Parameters", "Attributes"]


def _shared_entries(Estimator):
    """The entries of ``skbackprop._docs`` written for this estimator."""
    if Estimator in CLASSIFIERS:
        return {**_docs.SHARED_ENTRIES, **_docs.CLASSIFIER_ENTRIES}
    return _docs.SHARED_ENTRIES


def _source_docstring(Estimator):
    """The class docstring as written in its module, before composition."""
    module = ast.parse(Path(inspect.getsourcefile(Estimator)).read_text())
    (node,) = [
        node
        for node in module.body
        if isinstance(node, ast.ClassDef) and node.name == Estimator.__name__
    ]
    return ast.get_docstring(node)


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


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_parameter_is_documented_once_in_order_with_its_default(Estimator):
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


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_shared_entry_is_in_the_docstring_of_each_estimator_it_serves(
    Estimator,
):
    shared = _shared_entries(Estimator)
    for section in SECTIONS:
        for name, (kind, _, text) in _entries(Estimator, section).items():
            if name not in shared:
                continue
            header, *body = shared[name].splitlines()
            assert header.startswith(f"{name} : {kind}"), name
            assert text == " ".join(" ".join(body).split()), name
    documented = {name for section in SECTIONS for name in _entries(Estimator, section)}
    assert set(shared) <= documented


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_no_class_writes_out_a_shared_entry_of_its_own(Estimator):
    written = _source_docstring(Estimator)
    # The classifiers name their whole sections, whose placeholders name the
    # entries.
    placeholders = written
    if Estimator in CLASSIFIERS:
        placeholders += "".join(_docs.CLASSIFIER_SECTIONS.values())
    for name in _shared_entries(Estimator):
        assert not re.search(rf"^{re.escape(name)} : ", written, re.M), name
        assert f"%({name})s" in placeholders, name


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_no_placeholder_is_left_in_a_composed_docstring(Estimator):
    assert "%(" not in Estimator.__doc__
    # Nor in the methods', which share entries too (X, sample_weight, ...).
    for name in dir(Estimator):
        doc = inspect.getdoc(getattr(Estimator, name, None)) or ""
        assert "%(" not in doc, name


def test_an_entry_takes_the_indent_of_its_placeholder_and_the_signatures_default():
    @_docs.fill_shared_entries()
    class Documented:
        """A class.

        Parameters
        ----------
        %(n_iter_no_change)s
        %(shuffle)s
        """

        def __init__(self, n_iter_no_change=7, shuffle=True):
            pass

    assert inspect.getdoc(Documented).splitlines()[4:7] == [
        "n_iter_no_change : int, default=7",
        "    The epochs over which the best loss (or validation score) must improve",
        "    by ``tol`` for training to go on.",
    ]
    # The raw docstring keeps the placeholder's indent (whatever the source's:
    # Python 3.13 strips the common one when it compiles a docstring).
    doc = Documented.__doc__
    indent = " " * next(
        len(line) - len(line.lstrip())
        for line in doc.splitlines()
        if line.strip() == "Parameters"
    )
    assert f"\n{indent}shuffle : bool, default=True\n{indent}    Whether" in doc


def test_a_placeholder_that_names_no_entry_fails_when_the_class_is_defined():
    with pytest.raises(KeyError, match="no_such_parameter"):

        @_docs.fill_shared_entries()
        class Documented:
            """%(no_such_parameter)s"""

            def __init__(self, no_such_parameter=1):
                pass


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_numpydoc_reads_every_parameter_from_the_composed_docstring(Estimator):
    docscrape = pytest.importorskip("numpydoc.docscrape")
    parsed = docscrape.ClassDoc(Estimator, config={"show_class_members": False})
    names = [name for entry in parsed["Parameters"] for name in entry.name.split(", ")]
    assert names == list(inspect.signature(Estimator).parameters)
    assert [entry.name for entry in parsed["Attributes"]] == list(
        _entries(Estimator, "Attributes")
    )


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
