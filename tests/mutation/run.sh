#!/usr/bin/env bash
# Mutation testing of the modules that decide a number or a key (cosmic-ray).
#
# Usage:  tests/mutation/run.sh [MODULE ...]     (default: every module in modules.txt)
# Env:    MUTATION_MODULES  the module list (default modules.txt: module | its test files)
#         MUTATION_DIR      scratch folder (default /tmp/musicbench-mutation); the repository
#                           itself is never mutated: its tracked and untracked files are copied there
#         MUTATION_SAMPLE   at most this many mutants per module, a seeded sample (default 0: all)
#         MUTATION_TIMEOUT  seconds per mutant's test run before it counts as killed (default 120)
#         MUTATION_OUT      where the reports go (default tests/mutation/results)
#         MUTATION_REF      mutate and test a commit's tree instead of the working tree (e.g. main)
# Output: MUTATION_OUT/<module>.txt, cosmic-ray's report with the diff of every survivor,
#         and one line per module in MUTATION_OUT/scores.txt.
#
# Each mutant runs only the tests listed for its module in modules.txt, under `nice`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${MUTATION_DIR:-/tmp/musicbench-mutation}
sample=${MUTATION_SAMPLE:-0}
timeout=${MUTATION_TIMEOUT:-120}
out=${MUTATION_OUT:-$here/results}
modules=${MUTATION_MODULES:-$here/modules.txt}
py=$(command -v python)
mkdir -p "$out"
out=$(cd "$out" && pwd)
modules=$(cd "$(dirname "$modules")" && pwd)/$(basename "$modules")

# A copy of the working tree, and a `musicbench` package folder that maps the
# package-dir layout (registry/ is musicbench, plugins/ and benchmark/ its
# subpackages) onto the copy with symlinks. On PYTHONPATH it is found before the
# editable install's finder (appended to sys.meta_path), so the tests, and the
# `bench` subprocesses they start, import the mutated copy.
rm -rf "$work"
mkdir -p "$work/src" "$work/shadow/musicbench"
if [ -n "${MUTATION_REF:-}" ]; then  # the code and tests of a commit (the "before" run: main)
  (cd "$repo" && git archive "$MUTATION_REF") | tar -xf - -C "$work/src"
else
  (cd "$repo" && git ls-files -co --exclude-standard -z | grep -zv '^tests/mutation/results/' | xargs -0 tar -cf -) | tar -xf - -C "$work/src"
fi
for f in "$work/src/registry/"*; do ln -s "$f" "$work/shadow/musicbench/"; done
ln -s "$work/src/plugins" "$work/shadow/musicbench/plugins"
ln -s "$work/src/benchmark" "$work/shadow/musicbench/benchmark"
export PYTHONPATH="$work/shadow" PYTHONDONTWRITEBYTECODE=1  # no stale .pyc of a mutant
cd "$work/src"
"$py" -c "import musicbench, sys; assert musicbench.__file__.startswith('$work'), musicbench.__file__"

if [ $# -eq 0 ]; then set -- $(grep -v '^#' "$modules" | cut -d'|' -f1); fi
for module in "$@"; do
  tests=$(grep -v '^#' "$modules" | awk -F' [|] ' -v m="$module" '$1 == m {print $2}')
  [ -n "$tests" ] || { echo "no tests listed for $module in modules.txt" >&2; exit 2; }
  name=$(echo "$module" | tr '/.' '__')
  cat > "$work/$name.toml" <<TOML
[cosmic-ray]
module-path = "$module"
timeout = $timeout
excluded-modules = []
test-command = "nice -n 5 $py -m pytest -x -q -p no:randomly -p no:cacheprovider $tests"
[cosmic-ray.distributor]
name = "local"
TOML
  echo "== $module: tests $tests"
  # The unmutated module must pass its tests, or every mutant would count as killed.
  nice -n 5 "$py" -m pytest -x -q -p no:randomly -p no:cacheprovider $tests > "$work/$name.baseline" 2>&1 \
    || { tail -20 "$work/$name.baseline"; echo "baseline fails for $module" >&2; exit 1; }
  cosmic-ray init "$work/$name.toml" "$work/$name.sqlite"
  "$py" "$here/filter_annotations.py" "$work/$name.sqlite"
  if [ "$sample" -gt 0 ]; then "$py" "$here/sample.py" "$work/$name.sqlite" "$sample"; fi
  start=$(date +%s)
  cosmic-ray exec "$work/$name.toml" "$work/$name.sqlite"
  cr-report --show-diff --surviving-only "$work/$name.sqlite" > "$out/$name.txt"
  "$py" "$here/score.py" "$work/$name.sqlite" "$module" "$(( $(date +%s) - start ))" | tee -a "$out/scores.txt"
done
