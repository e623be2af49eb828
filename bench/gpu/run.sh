#!/usr/bin/env bash
# On the GPU machine (device `run`, .gpu carried): unpacks what bench/gpu/pack.mjs packed, finds the
# NVIDIA Vulkan driver, and runs the WebGPU kernels bench (bench/gpu/webgpu-bench.ts, bundled) at
# U ∈ {10k, 100k, 1M}, K = 20, d ∈ {5, 7, 12}: scores and updates, parity against float64 on a sample.
# Results: $OUT/webgpu-bench.json and $OUT/run.log.
#
# Environment:
#   GPU_BENCH_ALLOW_SOFTWARE=1  rehearsal on a machine without a GPU: accept llvmpipe, and unpack the
#                               .debs under the work folder (LD_LIBRARY_PATH) instead of into /
#   GPU_BENCH_USERS / GPU_BENCH_DIMS / GPU_BENCH_BUDGET_MS   override the grid (defaults above, 1500)
#   GPU_BENCH_TIMEOUT           seconds for the bench itself (default 420; results are written per shape)
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
pack=$repo/.gpu
OUT=${OUT:-$pack/out}
work=${GPU_BENCH_WORK:-/tmp/gpu-bench}
allow=${GPU_BENCH_ALLOW_SOFTWARE:-0}
mkdir -p "$OUT" "$work"
exec > >(tee "$OUT/run.log") 2>&1
start=$(date +%s.%N)
say() { printf '[%6.1f s] %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$*"; }
fail() { say "FAILED: $*"; exit 1; }

[ -f "$pack/MANIFEST" ] || fail "no $pack/MANIFEST: run 'npm run gpu:pack' here and name .gpu in carry"
say "unpacking Node.js $(cat "$pack/node.version"), dawn.node and the bench into $work"
xz -dc "$pack/node.xz" >"$work/node" && chmod +x "$work/node" || fail "node.xz"
tar -xJf "$pack/webgpu.tar.xz" -C "$work" --transform 's,^webgpu,node_modules/webgpu,' || fail "webgpu.tar.xz"
cp "$pack/webgpu-bench.mjs" "$work/" || fail "webgpu-bench.mjs"
"$work/node" --version >/dev/null || fail "the packed node does not start here (glibc ≥ 2.28 and libstdc++ needed)"

# The Vulkan loader: the device README's recipe unpacks the .debs into / (as root) and runs ldconfig.
if ldconfig -p | grep -q 'libvulkan.so.1 '; then
  say "libvulkan.so.1 already installed"
elif [ "$allow" != 1 ] && [ "$(id -u)" = 0 ]; then
  say "installing the Vulkan loader and GL dispatch libraries from .gpu/debs into /"
  for f in "$pack"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
else
  say "unpacking .gpu/debs under $work/root (LD_LIBRARY_PATH)"
  for f in "$pack"/debs/*.deb; do dpkg -x "$f" "$work/root"; done
  export LD_LIBRARY_PATH="$work/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# The NVIDIA Vulkan ICD: where the device README says, else the usual places, else a bounded search.
icd=""
for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
  /etc/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$f" ] && icd=$f && break
done
[ -n "$icd" ] || icd=$(find / -xdev -maxdepth 6 -name 'nvidia_icd*.json' 2>/dev/null | head -1)
if [ -n "$icd" ]; then
  say "NVIDIA Vulkan ICD: $icd ($(tr -d '\n ' <"$icd" | grep -o '"library_path":"[^"]*"'))"
  export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  done
  egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
elif [ "$allow" = 1 ]; then
  say "no NVIDIA Vulkan ICD (rehearsal: the software adapter is allowed)"
else
  fail "no NVIDIA Vulkan ICD found (nvidia_icd.json)"
fi
command -v nvidia-smi >/dev/null && nvidia-smi -L

export WEBGPU_ADAPTER=${WEBGPU_ADAPTER:-$([ "$allow" = 1 ] && echo auto || echo hardware)}
say "bench: users ${GPU_BENCH_USERS:-10000,100000,1000000}, dims ${GPU_BENCH_DIMS:-5,7,12}, WEBGPU_ADAPTER=$WEBGPU_ADAPTER"
cd "$work" || fail "cd $work"
timeout "${GPU_BENCH_TIMEOUT:-420}" ./node --max-old-space-size=16384 webgpu-bench.mjs \
  --users "${GPU_BENCH_USERS:-10000,100000,1000000}" --dims "${GPU_BENCH_DIMS:-5,7,12}" \
  --budget-ms "${GPU_BENCH_BUDGET_MS:-1500}" --out "$OUT/webgpu-bench.json"
rc=$?
say "bench exited $rc; results in $OUT/webgpu-bench.json"
exit $rc
