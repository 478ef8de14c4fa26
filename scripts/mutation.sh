#!/usr/bin/env bash
# Mutation testing of aclf_protocol with mutmut 3: do the tests bite?
#
# Usage:  scripts/mutation.sh [MODULE ...]      e.g. scripts/mutation.sh dosing schedule
# Default: the safety-critical modules first, then the rest (see MODULES below).
#
# Not part of .ci/run: a full pass takes tens of minutes (docs/dev/mutation.md has the figures).
# For each module M it mutates aclf_protocol/M.py only, or every aclf_protocol/M/*.py when M is
# a package (scores). mutmut first runs the selected tests
# once on the clean copy and records which tests execute which function; each mutant then runs
# only the tests that executed its function, stopping at the first failure (pytest -x).
#   MUTATION_TESTS=all     (default) select from the whole tests/ folder: a mutant is killed
#                          when any test anywhere catches it.
#   MUTATION_TESTS=module  select only tests/test_M.py: stricter, shows how much each module's
#                          own tests pin on their own.
# Everything happens in a scratch copy under build/mutation/ (build/ is git-ignored): mutmut's
# mutants/ folder, its config and caches never touch the tree.
# Hypothesis runs 20 derandomised examples per property, so two runs give the same figures.
#
# Output: build/mutation/summary.tsv (module, mutants, killed, survived, timeouts, other,
# seconds) and build/mutation/<M>/survivors.txt (mutmut's diff of every surviving mutant).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PIP_DISABLE_PIP_VERSION_CHECK=1
MUTMUT_VERSION=3.8.1
venv=build/mutation-venv
out=build/mutation

if [ $# -gt 0 ]; then
  MODULES=("$@")
else
  MODULES=(dosing schedule scores eligibility stop_rules safety enrolment
           protocol patient interchange schema sdtm _validators errors reports cli)
fi

# A venv of its own: mutmut imports the package from its mutants/ copy, so the project itself
# must NOT be installed there (an editable install would shadow the mutated code).
if [ ! -x "$venv/bin/mutmut" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "mutmut==$MUTMUT_VERSION" "attrs>=23.1" "python-dateutil>=2.8.2" \
    "pytest>=8" "hypothesis>=6.117" "jsonschema>=4.18"
fi

mkdir -p "$out"
summary="$out/summary.tsv"
[ -e "$summary" ] || printf 'module\tmutants\tkilled\tsurvived\ttimeout\tother\tseconds\n' > "$summary"

for m in "${MODULES[@]}"; do
  work="$out/$m"
  rm -rf "$work"
  mkdir -p "$work"
  cp -r aclf_protocol tests pyproject.toml README.md .ci docs "$work/"
  find "$work" -name __pycache__ -prune -exec rm -rf {} +
  # mutmut calls pytest.main several times in one process, which Hypothesis flags as
  # "differing executors"; in this throw-away copy a plugin registers a "mutation" profile
  # (derandomised, no database, that check off) before tests/conftest.py loads it by name.
  cat > "$work/tests/_mutation_profile.py" <<'PY'
from hypothesis import HealthCheck, settings

settings.register_profile(
    "mutation",
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.differing_executors],
)
PY
  if [ "${MUTATION_TESTS:-all}" = all ]; then
    tests=(tests)
  else
    tests=("tests/test_$m.py")
  fi
  # mutmut 3.8 takes glob patterns in only_mutate (fnmatch: * also crosses /).
  if [ -d "aclf_protocol/$m" ]; then
    target="aclf_protocol/$m/*.py"
  else
    target="aclf_protocol/$m.py"
  fi
  {
    echo "[mutmut]"
    echo "source_paths = aclf_protocol"
    echo "only_mutate = $target"
    echo "also_copy ="
    echo "    docs/"
    echo "    .ci/"
    echo "    README.md"
    echo "pytest_add_cli_args_test_selection ="
    for t in "${tests[@]}"; do echo "    $t"; done
    # No doctests of the mutated copy (its functions are trampolines); fixed Hypothesis seed.
    echo "pytest_add_cli_args ="
    echo "    -p"
    echo "    no:cacheprovider"
    echo "    -o"
    echo "    addopts=-ra --strict-markers"
    echo "    -p"
    echo "    tests._mutation_profile"
    echo "use_git_change_detection = false"
  } > "$work/setup.cfg"
  echo "== $m: mutating $target against ${tests[*]}"
  start=$(date +%s)
  (cd "$work" && HYPOTHESIS_PROFILE=mutation "$root/$venv/bin/mutmut" run --max-children 2 > run.log 2>&1) || {
    echo "mutmut failed for $m; see $work/run.log" >&2
    tail -20 "$work/run.log" >&2
    continue
  }
  if grep -q "failed to collect stats\|Failed to run clean test" "$work/run.log"; then
    echo "mutmut could not run the clean tests for $m; see $work/run.log" >&2
    continue
  fi
  seconds=$(( $(date +%s) - start ))
  (cd "$work" && "$root/$venv/bin/mutmut" results --all true > results.txt 2>&1 || true)
  # results lines look like "    aclf_protocol.dosing.x_f__mutmut_3: killed"
  count() { grep -c ": $1\$" "$work/results.txt" || true; }
  total=$(grep -c "__mutmut_" "$work/results.txt" || true)
  killed=$(count killed); survived=$(count survived); timeout=$(count timeout)
  other=$(( total - killed - survived - timeout ))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$total" "$killed" "$survived" "$timeout" "$other" \
    "$seconds" | tee -a "$summary"
  : > "$work/survivors.txt"
  for name in $(grep ": survived\$" "$work/results.txt" | sed 's/^ *//; s/: survived$//'); do
    (cd "$work" && "$root/$venv/bin/mutmut" show "$name" >> survivors.txt 2>&1 || true)
  done
done
echo "== summary ($summary)"
column -t -s $'\t' "$summary"
