# flowlab's image: one process per container (`flowlab jobmanager`, `flowlab taskmanager --jobmanager host:port`,
# or any other flowlab command). Build: docker build -t flowlab:local .
# Stage 1 compiles the TypeScript with the dev dependencies; stage 2 carries only the compiled code and the
# production dependencies, and runs as an unprivileged user.
ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) runs below, once the sources are in
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json index.ts ./
COPY core core
COPY runtime runtime
COPY chaos chaos
COPY reports reports
COPY harness harness
COPY cli cli
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /opt/flowlab
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY schemas schemas
COPY suites suites
COPY docker docker
# a fixed, unprivileged user; /checkpoints is where a shared volume goes (execution.checkpointing.dir)
RUN groupadd --system --gid 10001 flowlab \
 && useradd --system --uid 10001 --gid flowlab --home-dir /home/flowlab --create-home flowlab \
 && mkdir -p /checkpoints /results \
 && chown flowlab:flowlab /checkpoints /results \
 && chmod +x dist/cli/main.js \
 && ln -s /opt/flowlab/dist/cli/main.js /usr/local/bin/flowlab
USER flowlab
WORKDIR /home/flowlab
# 8081 REST, 6123 control (TaskManagers → JobManager), 6121 data (TaskManager ↔ TaskManager), 9249 Prometheus
EXPOSE 8081 6123 6121 9249
ENTRYPOINT ["flowlab"]
CMD ["--help"]
