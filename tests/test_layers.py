"""What the layers rules say that import-linter (pyproject.toml, run by `bin/awn test`) cannot: no import circle
between any two modules of Awn, and transport code (views, API handlers, consumers, providers, management
commands) calls services and never writes a model itself."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("awn", "config")

# Writes through a manager or a queryset (`Ticket.objects.filter(…).update(…)`) and on an instance (`.save()`).
QUERYSET_WRITES = frozenset(
    {"create", "update", "delete", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
)
INSTANCE_WRITES = frozenset({"save", "delete"})
# Not models: the session a view gives an anonymous visitor, the cache.
NOT_MODELS = frozenset({"session", "cache"})


def import_cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules))))
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules)))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_the_cycle_finder_finds_a_circle_and_only_a_circle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z", "a.w"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    graph.add_import(importer="a.w", imported="a.x")
    assert import_cycles(graph, set(graph.modules)) == [["a.x", "a.y", "a.z"]]
    graph.remove_import(importer="a.z", imported="a.x")
    assert import_cycles(graph, set(graph.modules)) == []


def test_no_module_of_awn_takes_part_in_an_import_circle():
    """Every import counts, at module level or inside a function: a deferred import only hides a circle."""
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    modules = {m for m in graph.modules if ".migrations" not in m}
    assert len(modules) > 250
    assert import_cycles(graph, modules) == []


def is_transport(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    parts = relative.parts
    if "tests" in parts or "migrations" in parts:
        return False
    return (
        path.name in ("views.py", "api.py", "admin_views.py", "consumers.py")
        or path.name.endswith("_api.py")
        or "views" in parts[:-1]
        or "providers" in parts[:-1]
        or parts[-3:-1] == ("management", "commands")
        or relative.as_posix() == "config/api.py"
    )


def transport_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if is_transport(p))


def _receiver_names(node: ast.expr) -> list[str]:
    """The attribute and name chain a call is made on: `Ticket.objects.filter(x=1)` → [filter, objects, Ticket]."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names
        else:
            return names


def model_writes(source: str) -> list[tuple[int, str]]:
    writes = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method = node.func.attr
        receiver = _receiver_names(node.func.value)
        on_queryset = method in QUERYSET_WRITES and "objects" in receiver
        on_instance = method in INSTANCE_WRITES and not NOT_MODELS & set(receiver) and not node.args
        if on_queryset or on_instance:
            writes.append((node.lineno, f"{'.'.join(reversed(receiver))}.{method}()"))
    return writes


def test_the_write_finder_sees_manager_queryset_and_instance_writes():
    source = """
Ticket.objects.create(subject="x")
Ticket.objects.filter(pk=1).update(status="open")
PhoneCall.objects.select_for_update().filter(pk=2).delete()
ticket.save(update_fields=["status"])
relation.delete()
request.session.save()
cache.delete("key")
Ticket.objects.filter(pk=1).first()
"""
    assert [line for line, _ in model_writes(source)] == [2, 3, 4, 5, 6]


def test_transport_code_writes_no_model_itself():
    files = transport_files()
    names = {p.relative_to(ROOT).as_posix() for p in files}
    assert {"awn/portal/views.py", "awn/chat/consumers.py", "awn/tickets/api.py"} <= names
    assert any("/providers/" in n for n in names) and any("/management/commands/" in n for n in names)
    found = {
        f"{path.relative_to(ROOT).as_posix()}:{line}": call
        for path in files
        for line, call in model_writes(path.read_text(encoding="utf-8"))
    }
    assert found == {}
