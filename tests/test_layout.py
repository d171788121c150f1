"""docs/architecture.rst holds: each module imports only those above it there."""

import ast
import re
from pathlib import Path

import skbackprop

PACKAGE = Path(skbackprop.__file__).parent
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.rst"


def _documented_order():
    """The modules in the order of the page's table (several to a row, in order)."""
    table = ARCHITECTURE.read_text().split("   * - module", 1)[1]
    return re.findall(r"``(\w+)\.py``", table.split("From ``fit``", 1)[0])


def _imports(module):
    """The skbackprop modules that ``module`` imports, anywhere in it."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] != "skbackprop":
                continue
            if len(parts) > 1:
                imported.add(parts[1])
            else:  # from skbackprop import _namespace as ns
                imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.update(
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("skbackprop.")
            )
    return imported & {path.stem for path in PACKAGE.glob("*.py")}


def test_the_page_lists_every_module_once():
    order = _documented_order()
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert sorted(order) == sorted(modules)


def test_every_module_imports_only_modules_above_it_on_the_page():
    """So there is no import cycle, and the page says which way they point."""
    order = _documented_order()
    below = {
        module: sorted(
            imported
            for imported in _imports(module)
            if order.index(imported) > order.index(module)
        )
        for module in order
    }
    assert {module: found for module, found in below.items() if found} == {}


def test_the_backprop_functions_import_no_other_module_of_skbackprop():
    assert _imports("backprop") == set()
