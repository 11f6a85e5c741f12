"""common.discovery: an app's plug-in modules are found without any list naming the app."""

from __future__ import annotations

import io
import types

import pytest
from django.core.management import call_command
from django.test import modify_settings

from jointcredit.common.discovery import _ordered, app_modules

PROBE = "jointcredit.common.tests.probe_app"


def labels(name: str) -> list[str]:
    return [label for label, _ in app_modules(name)]


def test_the_project_apps_modules_are_found():
    order = labels("sweeps")
    # AFTER: grading regrades from what the writing sweeps emitted; only the portal's (which just
    # enqueues the public extract, reading) may come later.
    assert order.index("grading") > max(
        order.index(a) for a in ("lists", "records", "commitments", "catalog")
    )
    assert order[order.index("grading") + 1 :] == ["portal"]
    assert labels("demo")[:3] == ["measures", "lists", "records"]
    assert {"common", "subjects", "records", "lists", "portal"} <= set(labels("api"))
    assert "auth" not in labels("urls")  # django.contrib.auth.urls is not a project app's


@modify_settings(INSTALLED_APPS={"append": PROBE})
def test_a_new_app_is_picked_up_by_name_of_its_module():
    assert "probe" in labels("sweeps") and "probe" in labels("urls")
    assert "probe" not in labels("demo")  # no demo module, not listed
    order = labels("sweeps")
    assert order.index("probe") > order.index("lists")


@pytest.mark.django_db
@modify_settings(INSTALLED_APPS={"append": PROBE})
def test_sweep_command_runs_a_new_apps_sweep():
    from jointcredit.common.tests.probe_app import sweeps

    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert sweeps.RUNS and "probe: 探针 " in out.getvalue()


def _module(name: str, after=()):
    module = types.ModuleType(name)
    module.AFTER = after
    return module


def test_after_moves_a_module_only_as_far_as_needed_and_refuses_cycles():
    found = [("a", _module("a", ("c",))), ("b", _module("b")), ("c", _module("c")), ("d", _module("d"))]
    assert [label for label, _ in _ordered(found)] == ["b", "c", "a", "d"]
    with pytest.raises(RuntimeError, match="cycle"):
        _ordered([("a", _module("a", ("b",))), ("b", _module("b", ("a",)))])
