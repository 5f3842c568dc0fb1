#!/usr/bin/env bash
# Starts Debian's podman as a Docker-compatible API service over the images tools/images/build.sh built, so that
# the docker SDK (and kfp.local.DockerRunner) can run them on a machine without a Docker engine
# (shared/reference/kfp-local-podman.md has the measurements behind each setting).
#
#   tools/images/podman-service.sh <dir>   installs podman and runc when missing (apt, root), writes
#                                          <dir>/containers.conf and <dir>/storage.conf, starts
#                                          `podman system service` on <dir>/podman.sock, and prints three lines:
#                                          DOCKER_HOST=…, CONTAINERS_CONF=…, CONTAINERS_STORAGE_CONF=… (the
#                                          environment a client needs), then PODMAN_PID=<pid> (stop it with kill).
# Exit 3 when containers cannot start here (no root to install podman, or a container that cannot run): the
# caller skips, saying why (stderr).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dir=${1:?usage: podman-service.sh <dir>}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# crun 1.8 refuses this kind of machine's hybrid cgroup layout; runc works.
if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
  if [[ $(id -u) != 0 ]]; then
    echo "podman-service: podman/runc are not installed and this user cannot install them (apt-get install podman runc)" >&2
    exit 3
  fi
  ensure_commands podman:podman runc:runc
fi

# Default ulimits at or under the sandbox's hard limits (higher ones fail with `setrlimit … not permitted`).
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[[ $nofile == unlimited || $nofile -gt 20000 ]] && nofile=20000
[[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
cat > "$dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
# The same driver and graph root as buildah's (lib.sh), so that podman sees the images build.sh made.
{
  echo '[storage]'
  echo "driver = \"$STORAGE_DRIVER\""
  echo "graphroot = \"${STORAGE_ROOT:-/var/lib/containers/storage}\""
  echo "runroot = \"${STORAGE_ROOT:-/var/lib/containers/storage}-run\""
} > "$dir/storage.conf"
export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf

rm -f "$dir/podman.sock"
podman system service --time=0 "unix://$dir/podman.sock" > "$dir/podman-service.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  [[ -S $dir/podman.sock ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "podman-service: podman system service exited: $(tail -3 "$dir/podman-service.log")" >&2; exit 3; }
  sleep 0.1
done
[[ -S $dir/podman.sock ]] || { kill "$pid"; echo "podman-service: no socket after 10 s" >&2; exit 3; }
echo "DOCKER_HOST=unix://$dir/podman.sock"
echo "CONTAINERS_CONF=$CONTAINERS_CONF"
echo "CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
echo "PODMAN_PID=$pid"
