"""Architecture measures of issue 16: what services and the domain import from storage, import
cycles (top-level, and counting imports inside functions), modules over 400 lines, and imports
inside functions. Run: `python bench/arch_measures.py [repo] [-v]` (-v lists each place)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
pkg = root / "market"


def modname(path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


modules = {modname(p): p for p in pkg.rglob("*.py")}
layer_violations, local_imports, big, graph, graph_all = [], [], [], {}, {}
for name, path in sorted(modules.items()):
    src = path.read_text()
    lines = src.count("\n")
    if lines > 400:
        big.append((lines, name))
    tree = ast.parse(src)
    deps, alldeps = set(), set()
    is_pkg = path.name == "__init__.py"

    def resolve(node):
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = name.split(".") if is_pkg else name.split(".")[:-1]
        if node.level:
            base = base[: len(base) - node.level + 1] if node.level > 1 else base
            mod = ".".join(base + ([node.module] if node.module else []))
        else:
            mod = node.module or ""
        return [mod] + [f"{mod}.{a.name}" for a in node.names]

    top_level = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            top_level.add(id(node))
        if isinstance(node, ast.If):  # TYPE_CHECKING / try blocks at module level count as top level
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    top_level.add(id(sub))
        if isinstance(node, ast.Try):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    top_level.add(id(sub))
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        targets = resolve(node)
        if id(node) not in top_level:
            local_imports.append(f"{name}:{node.lineno}")
        for t in targets:
            if name.startswith(("market.services", "market.domain")) and (
                    t.split(".")[0] == "sqlalchemy" or t.startswith("market.adapters")):
                layer_violations.append(f"{name}:{node.lineno} -> {t}")
            if t in modules and t != name:
                (deps if id(node) in top_level else alldeps).add(t)
    graph[name] = deps
    graph_all[name] = deps | alldeps

# cycles via Tarjan SCC over top-level imports
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)


def strong(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


for v in graph:
    if v not in index:
        strong(v)
top_sccs = sccs
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
graph = graph_all
for v in graph:
    if v not in index:
        strong(v)
all_sccs, sccs = sccs, top_sccs
verbose = "-v" in sys.argv
print(f"layer violations (sqlalchemy/market.adapters imported in services/domain): {len(layer_violations)}")
if verbose:
    print("  " + "\n  ".join(layer_violations))
print(f"import cycles among top-level imports: {len(sccs)} " + "; ".join(" ".join(c) for c in sccs)[:2000])
print(f"import cycles counting function-local imports: {len(all_sccs)} " + "; ".join(f"{len(c)} modules: " + " ".join(c) for c in all_sccs)[:3000])
print(f"modules over 400 lines: {len(big)} " + ", ".join(f"{n} ({l})" for l, n in sorted(big, reverse=True)))
print(f"function-local imports: {len(local_imports)}")
if verbose:
    print("  " + "\n  ".join(local_imports))
