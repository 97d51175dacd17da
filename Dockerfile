# Quartermaster as a container: the alternative to App Service code deployment (README,
# "Deploy to Azure"). Build: docker build -t quartermaster .
# Run it with the settings infra/azure.bicep gives the App Service (env/.env.dev.sample).

# Install scripts stay off, as in every install the tests ran on: the only ones in the tree
# remove a duplicate folder (botbuilder-dialogs, through npx rimraf, which --omit=dev lacks),
# check versions (protobufjs), or build an optional native probe restify runs without
# (dtrace-provider).

# 1. Compile TypeScript with the dev dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Production dependencies only.
FROM node:22-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. What runs: no compiler, no npm at start, nothing fetched from a registry.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
# Owned by root and read-only for the app's user.
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY cards ./cards
# The language examples and the language model's prompt (read at start-up).
COPY language ./language
COPY pages ./pages
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (src/main.ts: the graceful drain); production
# starts no child processes, so there are no orphans to reap. The same command as the
# template's appCommandLine and `npm run serve`.
STOPSIGNAL SIGTERM
CMD ["node", "--no-warnings", "--import", "./dist/src/telemetry-preload.js", "dist/src/main.js"]
