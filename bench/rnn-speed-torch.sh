#!/usr/bin/env bash
# Installs PyTorch for the CPU into the project's .venv, for bench/rnn_speed_peer.py only (no test uses it).
#   bench/rnn-speed-torch.sh            idempotent; prints the directory to put on LD_LIBRARY_PATH
#
# PyPI's Linux torch wheel is the CUDA build: its metadata pulls ~3 GB of NVIDIA wheels (cuBLAS, cuDNN, NCCL, …)
# and even libtorch_cpu.so links libcudart/libcupti, so `pip install --no-deps torch` alone fails at import
# ("libcudart.so.13: cannot open shared object file"). PyTorch's own CPU index is not reachable from these
# machines. So: the wheel without its dependencies, its pure-Python dependencies, and 35 KB of stub libraries
# standing in for the CUDA libraries it links. The stubs are generated from torch's own import tables
# (`nm -D --undefined-only`): every symbol torch imports from a CUDA library becomes a function returning an error
# code, cudaGetDeviceCount reports 0 devices, so torch.cuda.is_available() is False and no CPU code path changes.
set -euo pipefail
cd "$(dirname "$0")/.."
TORCH_VERSION="${TORCH_VERSION:-2.15.0}"
py=.venv/bin/python
stubs=.venv/torch-cuda-stubs
if LD_LIBRARY_PATH="$PWD/$stubs" "$py" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
  echo "$PWD/$stubs"; exit 0
fi
[[ -x $py ]] || tools/python-env.sh
"$py" -m pip install --quiet --no-deps "torch==$TORCH_VERSION" >&2
"$py" -m pip install --quiet filelock 'sympy>=1.13.3' 'networkx>=2.5.1' 'fsspec>=0.8.5' jinja2 typing-extensions >&2
lib=$("$py" -c "import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec('torch').origin), 'lib'))")
rm -rf "$stubs.tmp" && mkdir -p "$stubs.tmp/src"
imports=$(for f in "$lib"/*.so "$lib"/../_C*.so; do nm -D --undefined-only "$f"; done | awk '$1 == "U" {print $2}' | sort -u)
defined=$( (for f in "$lib"/*.so "$lib"/../_C*.so; do nm -D --defined-only "$f"; done; \
  for f in /lib/x86_64-linux-gnu/{libc.so.6,libm.so.6,libstdc++.so.6,libgcc_s.so.1}; do nm -D --defined-only "$f"; done) | awk '{print $3}' | sed 's/@.*//' | sort -u)
# Libraries torch links that are not in the wheel (anything not found with the stubs absent).
missing=$(for f in "$lib"/*.so "$lib"/../_C*.so; do LD_LIBRARY_PATH="$lib" ldd "$f" 2>/dev/null | awk '/not found/ {print $1}'; done | sort -u)
stub() { # name version-tag symbols…
  local name="$1" tag="$2"; shift 2
  {
    echo '#include <stdint.h>'
    echo 'static char zero[4096];'
    for s in "$@"; do
      if [[ $s == cudaGetDeviceCount ]]; then echo 'int cudaGetDeviceCount(int *n) { *n = 0; return 100; /* cudaErrorNoDevice */ }'
      else echo "intptr_t $s(void) { return (intptr_t)zero; }"; fi
    done
  } > "$stubs.tmp/src/$name.c"
  local flags=(-shared -fPIC -o "$stubs.tmp/$name" "$stubs.tmp/src/$name.c" -Wl,-soname,"$name")
  if [[ -n $tag ]]; then
    { echo "$tag {"; [[ $# -gt 0 ]] && { echo ' global:'; printf '  %s;\n' "$@"; }; echo ' local: *;'; echo '};'; } > "$stubs.tmp/src/$name.map"
    flags+=(-Wl,--version-script="$stubs.tmp/src/$name.map")
  fi
  gcc "${flags[@]}"
}
for name in $missing; do
  tag="$name"; [[ $name == libnvshmem_host.so.* ]] && tag=NVSHMEM
  [[ $name == libcusparseLt.so.* ]] && continue
  # shellcheck disable=SC2046
  stub "$name" "$tag" $(printf '%s\n' "$imports" | grep "@$tag\$" | sed 's/@.*//' || true)
done
# Unversioned imports (cuSPARSELt, the driver API, cuFile, NCCL) that nothing else defines: one unversioned stub.
# shellcheck disable=SC2046
stub libcusparseLt.so.0 "" $(comm -23 <(printf '%s\n' "$imports" | grep -v @ | grep -v -E '^_?Py') <(printf '%s\n' "$defined"))
rm -rf "$stubs" && mv "$stubs.tmp" "$stubs"
LD_LIBRARY_PATH="$PWD/$stubs" "$py" -c "import torch; assert not torch.cuda.is_available(); print('torch', torch.__version__, 'threads', torch.get_num_threads(), file=__import__('sys').stderr)"
echo "$PWD/$stubs"
