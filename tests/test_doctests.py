"""Every example in a docstring runs and says what the module does: a doctest that no
longer holds fails here, not in a reader's hands."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import infra
import services


def _modules_with_examples() -> list[str]:
    found = []
    for package in (services, infra):
        for module in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            name = module.name
            if name.endswith(".app") or ".sandbox_bank." in name:
                continue  # importing an app registers routes; no app has examples
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
                continue
            with open(spec.origin, encoding="utf-8") as source:
                if ">>> " in source.read():
                    found.append(name)
    return sorted(found)


MODULES = _modules_with_examples()


def test_the_modules_with_examples_include_the_rule_books() -> None:
    for expected in (
        "services.catalogue.search_index",
        "services.core.calendar",
        "services.feedback.redaction",
        "services.core.text",
    ):
        assert expected in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert tried > 0, f"{name} has an example doctest does not find"
    assert failures == 0
