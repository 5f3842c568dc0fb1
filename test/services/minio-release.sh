# The pinned MinIO release, shared by install.sh and the TypeScript helpers (minio.ts parses this file).
# MinIO tags releases as RELEASE.<date> (not semver); the Go module proxy serves a tag's commit under its
# pseudo-version. RELEASE.2025-10-15T17-29-55Z, the last one, is not in the proxy's checksum database, so
# the release before it is pinned. It builds with Go >= 1.24 (go.mod: go 1.24.0) and has no replace directives.
MINIO_RELEASE=RELEASE.2025-09-07T16-13-09Z
MINIO_VERSION_TIME=2025-09-07T16:13:09Z
MINIO_COMMIT=07c3a429bfed433e49018cb0f78a52145d4bedeb
MINIO_MODULE_VERSION=v0.0.0-20250907161309-07c3a429bfed
