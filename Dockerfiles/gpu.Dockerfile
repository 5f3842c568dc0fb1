# FLTS-TS GPU image of a TensorFlow.js component (train-gru, train-lstm or inference): @tensorflow/tfjs-node-gpu
# on a CUDA + cuDNN base. The component's "auto" backend then picks node-gpu first (shared/tf/backend.ts).
#
#   docker build -f Dockerfiles/gpu.Dockerfile --build-arg COMPONENT=train-gru \
#     -t ghcr.io/flts-ts/flts-train-gru:TAG-gpu .
#
# Needs internet while building: tfjs-node-gpu's install script downloads libtensorflow-gpu (2.9.1 for
# tfjs 4.22) from storage.googleapis.com. That library wants CUDA 11.x (>= 11.2) with cuDNN 8; the default
# CUDA_IMAGE below is one such image. Run with a GPU: `docker run --gpus all …`, or in KFP
# `task.set_accelerator_type('nvidia.com/gpu').set_accelerator_limit(1)` and this image on the task
# (`task.container_spec.image` / a copy of component.yaml with the -gpu tag).
# Same contract as the CPU images: no ENTRYPOINT, KFP runs node /app/dist/<COMPONENT>.js --executor-input {{$}}.

ARG CUDA_IMAGE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04
# Where the node binary comes from (an official Node.js 20 image: its binary runs on glibc >= 2.28).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG BUILD_IMAGE=${NODE_IMAGE}

FROM ${NODE_IMAGE} AS node

# --- build: the same npm ci + build as the CPU images, plus tfjs-node-gpu; the CPU tfjs-node is dropped ---
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=extra_ca \
    if [ -s /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi; \
    npm ci --no-audit --no-fund
# 1 (default): fail the build when tfjs-node-gpu cannot be installed. 0: carry on without it (only useful to
# check this Dockerfile on a machine that cannot download libtensorflow; the image then runs on WASM).
ARG REQUIRE_NATIVE=1
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=extra_ca \
    if [ -s /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi; \
    version=$(node -p "require('./package-lock.json').packages['node_modules/@tensorflow/tfjs'].version") && \
    { npm install --no-save --no-audit --no-fund "@tensorflow/tfjs-node-gpu@$version" \
      || { echo "tfjs-node-gpu@$version could not be installed"; [ "$REQUIRE_NATIVE" = 0 ]; }; } && \
    rm -rf node_modules/@tensorflow/tfjs-node
COPY . .
ARG COMPONENT=train-gru
RUN npm run build && \
    npx tsx tools/images/stage.ts --out /stage $([ "$REQUIRE_NATIVE" = 1 ] && echo --require-native) "$COMPONENT"

# --- runtime: CUDA + cuDNN + Node.js + the component ---
FROM ${CUDA_IMAGE}
ARG COMPONENT=train-gru
ARG VERSION=dev
LABEL org.opencontainers.image.title="flts-${COMPONENT}-gpu" \
      org.opencontainers.image.description="FLTS-TS Kubeflow Pipelines component ${COMPONENT} (tfjs-node-gpu, CUDA)" \
      org.opencontainers.image.version="${VERSION}" \
      io.flts.component="${COMPONENT}"
COPY --from=node /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production \
    FLTS_COMPONENT=${COMPONENT}
WORKDIR /app
COPY --from=build /stage/${COMPONENT}/ /app/
RUN chown 1000:1000 /app
USER 1000:1000
CMD ["sh", "-c", "exec node /app/dist/${FLTS_COMPONENT}.js"]
