"""The layout rules of issue 11 that no linter states: no import cycle between the app's modules.

Read from the source with ``ast`` (nothing is imported), so a cycle hidden in a function-level import
counts too: such an import only postpones the cycle to the first call."""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = "danvan_feedback"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE


def app_modules() -> dict[str, Path]:
    """Every module of the app by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The app modules that ``name`` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import mod`` imports the module pkg.mod; ``from mod import name`` imports mod
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # ``import a.b.c``: the deepest app module named
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = app_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted.

    A package's ``__init__`` importing its own submodules is no cycle unless a submodule imports it
    back, which the graph shows like any other edge."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_relative_and_function_level_imports():
    graph = import_graph()
    assert "danvan_feedback.extensions" in graph["danvan_feedback.models.case"]
    # a function-level import (``from .auth import reauthenticate`` inside fresh_auth)
    assert "danvan_feedback.services.auth" in graph["danvan_feedback.services.identity"]


def test_no_import_cycle_between_app_modules():
    found = cycles(import_graph())
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same imports between the app's top-level packages (``danvan_feedback.staff``; a top-level
    module such as ``danvan_feedback.policy`` counts as its own package); imports inside a package
    are left out."""
    def top(name: str) -> str:
        return ".".join(name.split(".")[:2])
    out: dict[str, set[str]] = {}
    for name, targets in graph.items():
        out.setdefault(top(name), set()).update(top(t) for t in targets if top(t) != top(name))
    return out


def test_the_package_graph_folds_modules_into_their_package():
    graph = {"p.a.x": {"p.a.y", "p.b.z"}, "p.a.y": set(), "p.b.z": {"p.c"}, "p.c": set()}
    assert package_graph(graph) == {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": set()}


def test_no_import_cycle_between_app_packages():
    """Issue 11 found ``auth`` <-> ``staff``, ``api`` -> ``services`` -> ``web`` -> ``api`` and
    ``letters`` <-> ``staff`` (the case page's letters panel and decision form lived in ``letters``
    while ``letters`` re-rendered the case page). A package that needs another's piece gets it
    moved to a neutral module instead."""
    found = cycles(package_graph(import_graph()))
    assert found == [], "package cycles: " + "; ".join(" <-> ".join(c) for c in found)


def offending_modules(find, exempt: set[str]) -> dict[str, list[int]]:
    """{module: lines} where ``find(source)`` finds something, for every app module not exempt."""
    offenders = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).as_posix()
        lines = [] if rel in exempt else find(path.read_text(encoding="utf-8"))
        if lines:
            offenders[rel] = lines
    return offenders


def link_builders(source: str) -> list[int]:
    """Lines naming ``url_for`` or ``public_url`` (a call, an import or a reference)."""
    return [n.lineno for n in ast.walk(ast.parse(source))
            if (isinstance(n, ast.Name) and n.id in {"url_for", "public_url"})
            or (isinstance(n, ast.Attribute) and n.attr in {"url_for", "public_url"})
            or (isinstance(n, ast.alias) and n.name in {"url_for", "public_url"})]


def test_services_take_urls_as_arguments():
    """A service is called by views, the API, commands and workers alike; which link to put in a
    document or an e-mail is theirs to say (an argument such as ``track_url``), or the e-mail
    template's (``public_url``). import-linter keeps ``web`` and ``links`` out; this also catches
    ``flask.url_for``."""
    src = "from flask import url_for\nx = url_for('a')\nimport flask\ny = flask.url_for('b')\n"
    assert link_builders(src) == [1, 2, 4]
    offenders = {rel: lines for rel, lines in offending_modules(link_builders, set()).items()
                 if rel.startswith(f"{PACKAGE}/services/")}
    assert offenders == {}, f"pass the URL in instead: {offenders}"


REQUEST_STATE = {"request", "session", "url_for"}


def request_reads(source: str) -> list[int]:
    """Lines importing the request's state from Flask (``from flask import request``, ``session``,
    ``url_for``) or reading it as ``flask.request``."""
    return sorted({n.lineno for n in ast.walk(ast.parse(source))
                   if (isinstance(n, ast.ImportFrom) and n.module == "flask"
                       and any(a.name in REQUEST_STATE for a in n.names))
                   or (isinstance(n, ast.Attribute) and n.attr in REQUEST_STATE
                       and isinstance(n.value, ast.Name) and n.value.id == "flask")})


def test_services_never_read_the_request():
    """Services run in views, commands, workers and tests alike: what a request carries (the form,
    the session, the address) reaches them as arguments. (``flask_login`` is import-linter's.)"""
    src = "from flask import current_app, request\nimport flask\nx = flask.session\ny = current_app.config\n"
    assert request_reads(src) == [1, 3]
    offenders = {rel: lines for rel, lines in offending_modules(request_reads, set()).items()
                 if rel.startswith(f"{PACKAGE}/services/")}
    assert offenders == {}, f"pass what the request carries as arguments: {offenders}"


# ---------------------------------------------------------------- one clock

CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today")}


def bare_clock_calls(source: str) -> list[int]:
    """Lines calling ``datetime.now()``, ``datetime.utcnow()``, ``datetime.today()`` or ``date.today()``
    (also as ``datetime.datetime.now()``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if (name, node.func.attr) in CLOCK_CALLS:
                found.append(node.lineno)
    return found


def test_the_clock_check_sees_every_spelling():
    src = ("from datetime import date, datetime, timezone\nimport datetime as dt\n"
           "a = date.today()\nb = datetime.now(timezone.utc)\nc = dt.datetime.utcnow()\nd = datetime.today()\n"
           "e = clock.now()\nf = date(2026, 1, 1)\n")
    assert bare_clock_calls(src) == [3, 4, 5, 6]


def test_app_code_reads_the_time_only_through_the_clock():
    """``danvan_feedback.clock`` is the one clock: injectable (``CLOCK``) and in the organisation's
    time zone. A bare ``date.today()`` is the server's date: on a UTC server an incident dated
    "today" was refused as future between 00:00 and 07:00 in Vietnam."""
    offenders = offending_modules(bare_clock_calls, {"danvan_feedback/clock.py"})
    assert offenders == {}, f"use danvan_feedback.clock.now()/today() instead: {offenders}"


# ---------------------------------------------------------------- one place builds the file stores



def test_only_the_factory_extension_builds_file_stores():
    """``stores.FileStores`` (``extensions.file_stores``, bound by ``create_app``) is the one place
    that knows which folder holds which files; everything else asks it for a store."""
    def builds_a_store(source: str) -> list[int]:
        return [n.lineno for n in ast.walk(ast.parse(source))
                if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", "")) == "LocalStorage"]
    offenders = offending_modules(builds_a_store, {"danvan_feedback/stores.py"})
    assert offenders == {}, f"use extensions.file_stores instead: {offenders}"


# ---------------------------------------------------------------- permissions asked one way

ROLE_NAMES = {"admin", "inspector", "unit", "office", "viewer"}


def _is_role(node) -> bool:
    """``role``, ``user.role``, or a form's role field ``form.role.data``."""
    if isinstance(node, ast.Attribute) and node.attr == "data":
        node = node.value
    return (isinstance(node, ast.Attribute) and node.attr == "role") or (isinstance(node, ast.Name) and node.id == "role")


def _names_a_role(node) -> bool:
    return any(isinstance(n, ast.Constant) and n.value in ROLE_NAMES for n in ast.walk(node))


def role_checks(source: str) -> list[int]:
    """Lines comparing a role with a role's name: ``user.role == "unit"``, ``role in ("admin", ...)``,
    ``User.role.in_(("inspector", "unit"))``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and (_is_role(node.left) or any(_is_role(c) for c in node.comparators)):
            if _names_a_role(node):
                found.append(node.lineno)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "in_"
              and _is_role(node.func.value) and any(_names_a_role(a) for a in node.args)):
            found.append(node.lineno)
    return found


def test_the_role_check_finder_sees_every_spelling():
    src = ('a = user.role == "unit"\nb = role in ("admin", "office")\nc = User.role.in_(("inspector",))\n'
           'd = user.role in policy.CASE_WORKER_ROLES\ne = kind == "unit"\nf = self.role.data == "unit"\n')
    assert role_checks(src) == [1, 2, 3, 6]


def test_roles_are_named_only_in_policy():
    """Code asks ``policy`` (the can_* functions, or its role groups in a query); templates get a
    flag from the view. Only ``policy`` compares a role with a role's name."""
    offenders: dict = offending_modules(role_checks, {"danvan_feedback/policy.py"})
    templates = ROOT.parent / "templates"
    for path in sorted(templates.rglob("*.html")):
        rel = path.relative_to(ROOT.parent).as_posix()
        if re.search(r"\brole\s*(==|!=|in\b)", path.read_text(encoding="utf-8")):
            offenders[rel] = "compares a role"
    assert offenders == {}, f"ask policy instead: {offenders}"


# ---------------------------------------------------------------- size

MODULE_MAX_LINES = 400
FUNCTION_MAX_LINES = 60
# Each exception with its reason (issue 11's closing note repeats them). Shrink this list; never grow it.
MODULE_EXCEPTIONS = {
}
FUNCTION_EXCEPTIONS = {
}


def sizes() -> tuple[dict[str, int], dict[str, int]]:
    modules, functions = {}, {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).as_posix()
        source = path.read_text(encoding="utf-8")
        modules[rel] = len(source.splitlines())
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[f"{rel}:{node.name}"] = max(functions.get(f"{rel}:{node.name}", 0),
                                                      node.end_lineno - node.lineno + 1)
    return modules, functions


def test_no_module_or_function_over_the_limits():
    modules, functions = sizes()
    big_modules = {m: n for m, n in modules.items() if n > MODULE_MAX_LINES and m not in MODULE_EXCEPTIONS}
    long_functions = {f: n for f, n in functions.items() if n > FUNCTION_MAX_LINES and f not in FUNCTION_EXCEPTIONS}
    assert big_modules == {}, f"modules over {MODULE_MAX_LINES} lines: {big_modules}"
    assert long_functions == {}, f"functions over {FUNCTION_MAX_LINES} lines: {long_functions}"


def test_the_exceptions_are_still_needed():
    """An exception that is no longer over the limit leaves the list (so the list only shrinks)."""
    modules, functions = sizes()
    assert [m for m in MODULE_EXCEPTIONS if modules.get(m, 0) <= MODULE_MAX_LINES] == []
    assert [f for f in FUNCTION_EXCEPTIONS if functions.get(f, 0) <= FUNCTION_MAX_LINES] == []


# ---------------------------------------------------------------- one vocabulary

VOCABULARY_SCOPE = ("danvan_feedback/domain/", "danvan_feedback/services/", "danvan_feedback/policy.py",
                    "danvan_feedback/staff/", "danvan_feedback/letters/", "danvan_feedback/reception/",
                    "danvan_feedback/api/")
# (module, word): a string equal to a status, kind or outcome that is not one, with the reason.
VOCABULARY_EXCEPTIONS = {
    ("danvan_feedback/services/survey.py", "resolved"): "the survey summary's key (the citizen's answer)",
    # the report figures' keys (letters received / resolved in a period), stored in signed-off snapshots
    ("danvan_feedback/services/reports/figures.py", "received"): "a report figure's key (stored in snapshots)",
    ("danvan_feedback/services/reports/figures.py", "resolved"): "a report figure's key (stored in snapshots)",
    ("danvan_feedback/services/reports/exports.py", "received"): "a report figure's key (stored in snapshots)",
    ("danvan_feedback/services/reports/exports.py", "resolved"): "a report figure's key (stored in snapshots)",
    ("danvan_feedback/staff/inbox.py", "closed"): "the inbox view 'closed' (every status that is not open)",
    ("danvan_feedback/staff/inbox_params.py", "closed"): "the inbox view 'closed'",
    ("danvan_feedback/staff/inbox_params.py", "received"): "the inbox sort 'received' (newest first)",
    ("danvan_feedback/staff/inbox_query.py", "closed"): "the inbox view 'closed'",
    ("danvan_feedback/staff/inbox_query.py", "received"): "the inbox sort 'received'",
    ("danvan_feedback/api/listing.py", "closed"): "Open311's own status word (open | closed)",
    ("danvan_feedback/api/openapi.py", "closed"): "Open311's own status word (open | closed)",
}
# Modules (or packages, ending in "/") left for later, with the reason. Shrink this list; never grow it.
VOCABULARY_EXEMPT = {
    # the register import's own words of old registers, split into packages by that work (issue 16)
    # while the vocabulary came in: convert them with it
    "danvan_feedback/domain/register_import/": "register import: words of old registers",
    "danvan_feedback/domain/register_sample.py": "register import: generated sample registers",
    "danvan_feedback/services/register_import/": "register import: writes the imported rows",
}


def _exempt(rel: str) -> bool:
    return any(rel == m or (m.endswith("/") and rel.startswith(m)) for m in VOCABULARY_EXEMPT)


def vocabulary_words() -> set[str]:
    from danvan_feedback.domain.vocabulary import Kind, Outcome, Status
    return {m.value for enum in (Status, Kind, Outcome) for m in enum}


def bare_words(source: str, words: set[str]) -> list[tuple[int, str]]:
    """(line, word) of each string literal equal to one of ``words`` (docstrings aside)."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return sorted((node.lineno, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in words
                  and id(node) not in docstrings)


def test_the_word_finder_sees_literals_but_not_docstrings():
    source = '"""received"""\ndef f(c):\n    """closed"""\n    return c.status == "received" or {"to_cao": 1}\n'
    assert bare_words(source, {"received", "closed", "to_cao"}) == [(4, "received"), (4, "to_cao")]


def test_statuses_kinds_and_outcomes_are_enum_members():
    """``domain/``, ``services/``, ``policy`` and the staff, letters, reception and API packages name
    a status, a built-in kind or an outcome by its ``domain.vocabulary`` member, never by the bare
    string (SQL text aside)."""
    words = vocabulary_words()
    offenders = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).as_posix()
        if not rel.startswith(VOCABULARY_SCOPE) or rel.endswith("/vocabulary.py") or _exempt(rel):
            continue
        found = [(n, w) for n, w in bare_words(path.read_text(encoding="utf-8"), words)
                 if (rel, w) not in VOCABULARY_EXCEPTIONS]
        if found:
            offenders[rel] = found
    assert offenders == {}, f"use the domain.vocabulary members: {offenders}"


def test_the_vocabulary_exceptions_are_still_needed():
    words = vocabulary_words()
    stale = [key for key in VOCABULARY_EXCEPTIONS
             if key[1] not in {w for _n, w in bare_words((ROOT.parent / key[0]).read_text(encoding="utf-8"), words)}]
    stale += [m for m in VOCABULARY_EXEMPT
              if not any(bare_words(p.read_text(encoding="utf-8"), words)
                         for p in ((ROOT.parent / m).rglob("*.py") if m.endswith("/") else [ROOT.parent / m]))]
    assert stale == []


def test_templates_compare_no_kind_code():
    """Kinds are data: a template asks a flag (``kind.contests_decision``, ``case.has_attempts``), and
    names a built-in kind, if ever, as ``Kind.MEMBER``."""
    from danvan_feedback.domain.vocabulary import Kind
    codes = "|".join(k.value for k in Kind)
    pattern = re.compile(rf"""['"]({codes})['"]""")
    offenders = {}
    for path in sorted((ROOT.parent / "templates").rglob("*.html")):
        lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
        if lines:
            offenders[path.relative_to(ROOT.parent).as_posix()] = lines
    assert offenders == {}, f"kind codes in templates: {offenders}"
