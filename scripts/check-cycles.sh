#!/bin/bash
# Finds source files that call each other in a circle.
#
#   scripts/check-cycles.sh [-v] [BUILD_DIR]     (default: build)
#
# Reads every object file of the tool's libraries (BUILD_DIR/CMakeFiles/
# crl_*.dir: one per layer), builds the graph "file A uses a symbol file B defines" from
# `nm --defined-only` and `nm --undefined-only`, and prints each cycle: a
# strongly connected component of more than one file, with the symbols that
# tie its files together. Exit 1 if there is any, 2 on a usage error.
# -v also prints the whole graph (file -> file: symbols).
set -euo pipefail

verbose=0
if [ "${1:-}" = "-v" ]; then
	verbose=1
	shift
fi
build=${1:-build}
objdir=$build/CMakeFiles
if ! ls -d "$objdir"/crl_*.dir >/dev/null 2>&1; then
	echo "check-cycles: no '$objdir': build first (cmake --build $build)" >&2
	exit 2
fi

# One line per symbol: "D file symbol" (defined, global) or "U file symbol" (used).
# nm -A prints "PATH:ADDRESS TYPE SYMBOL" (defined) or "PATH: U SYMBOL" (used).
src_of='function src(f) {
	sub(/:[^:]*$/, "", f)
	sub(/^.*\/crl_[a-z]*\.dir\//, "", f)
	sub(/\.o$/, "", f)
	return f
}'
list_symbols()
{
	local objs
	mapfile -t objs < <(find "$objdir" -path '*/crl_*.dir/*' -name '*.o' | sort)
	[ ${#objs[@]} -gt 0 ] || return 0
	nm -A --defined-only "${objs[@]}" | awk -v dir="$objdir/" "$src_of"'
		NF == 3 && $2 ~ /^[A-Z]$/ { print "D", src($1), $3 }'
	nm -A --undefined-only "${objs[@]}" | awk -v dir="$objdir/" "$src_of"'
		{ print "U", src($1), $NF }'
}

list_symbols | python3 -c '
import sys
from collections import defaultdict

verbose = sys.argv[1] == "1"
defs, uses = {}, defaultdict(set)
for line in sys.stdin:
    kind, f, sym = line.split()
    if kind == "D":
        defs.setdefault(sym, f)
    else:
        uses[f].add(sym)

# edges[a][b]: the symbols of b that a uses
edges = defaultdict(lambda: defaultdict(list))
files = set(uses) | set(defs.values())
for a in files:
    for s in sorted(uses.get(a, ())):
        b = defs.get(s)
        if b and b != a:
            edges[a][b].append(s)

if verbose:
    for a in sorted(files):
        for b in sorted(edges[a]):
            print("%s -> %s: %s" % (a, b, " ".join(edges[a][b])))

# Tarjan, iterative (the graph is small, but recursion limits are not ours to pick)
index, low, on, stack, sccs, n = {}, {}, set(), [], [], [0]
for root in sorted(files):
    if root in index:
        continue
    work = [(root, iter(sorted(edges[root])))]
    index[root] = low[root] = n[0]; n[0] += 1
    stack.append(root); on.add(root)
    while work:
        v, it = work[-1]
        for w in it:
            if w not in index:
                index[w] = low[w] = n[0]; n[0] += 1
                stack.append(w); on.add(w)
                work.append((w, iter(sorted(edges[w]))))
                break
            if w in on:
                low[v] = min(low[v], index[w])
        else:
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); on.discard(w); comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    sccs.append(sorted(comp))

for comp in sorted(sccs):
    members = set(comp)
    print("cycle of %d files: %s" % (len(comp), " ".join(comp)))
    for a in comp:
        for b in sorted(edges[a]):
            if b in members:
                print("  %s -> %s: %s" % (a, b, " ".join(edges[a][b])))
if sccs:
    print("%d cycle(s)" % len(sccs))
    sys.exit(1)
print("no cycles among %d files" % len(files))
' "$verbose"
