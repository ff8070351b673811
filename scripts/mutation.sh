#!/usr/bin/env bash
# `make mutation`: mutmut over the transaction, replay/resume-skip and negative-evidence code ([tool.mutmut] in
# pyproject.toml), then the kill rate per module (scripts/mutation_report.py). mutmut and what it needs come from
# pyproject's `mutation` extra, installed into build/mutation-tools (never the venv). Arguments go to
# `mutmut run` (e.g. mutant-name globs: scripts/mutation.sh 'scene_graph.unsaved_state*'). Results are kept in
# mutants/ between runs (a mutant already decided is not run again); delete mutants/ after changing the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
TOOLS="$(pwd)/build/mutation-tools"
pins=$($PY -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["mutation"]))')
if [ "$(cat "$TOOLS/.pins" 2>/dev/null)" != "$pins" ]; then
  rm -rf "$TOOLS"
  $PY -m pip install -q --disable-pip-version-check --no-deps --target "$TOOLS" $pins 2>&1 | grep -v "is ignored" || true
  echo "$pins" > "$TOOLS/.pins"
fi
# absolute: the tests that start `python -m memory_stack.cli` from mutants/ import the mutated code, and with it mutmut
export PYTHONPATH="$TOOLS"
# the functions in scope (mutmut generates mutants for whole files; these are the ones run and counted):
# the transaction (store, unsaved state, SQLite faults and rollback, meta), what replay/resume skips, and
# negative evidence. mutmut leaves decorated functions alone (MemoryStore.ingest and is_last_stored are
# @_locked, MemoryFile.transaction a @contextmanager): scripts/hand_mutants.py breaks those by hand.
SCOPE=('scene_graph.store.*' 'scene_graph.unsaved_state.*' 'scene_graph.persistence.x_fault_kind*'
       'scene_graph.persistence.x_store_fault*' 'scene_graph.persistence.xǁStoreFaultǁ*'
       'scene_graph.persistence.xǁMemoryFileǁ_rollback*' 'scene_graph.persistence.xǁMemoryFileǁwrite_meta*'
       'scene_graph.persistence.xǁMemoryFileǁread_meta*' 'memory_node.session_replay.*' 'scene_graph.frame_identity.*'
       'memory_node.ingest_pipeline.xǁIngestPipelineǁingest_set*' 'memory_node.ingest_pipeline.xǁIngestPipelineǁ_skipped*'
       'scene_graph.tracking.negative_evidence.*')
[ $# -gt 0 ] && SCOPE=("$@")
nice -n 10 $PY -m mutmut run --max-children "${MUTATION_CHILDREN:-2}" "${SCOPE[@]}" || true
$PY scripts/mutation_report.py "${SCOPE[@]}"
