# gridwatch: one image, three commands (cloud, gateway, simulate).
FROM node:22-bookworm-slim
# better-sqlite3 builds from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN mkdir -p /var/lib/gridwatch && chown node:node /var/lib/gridwatch
USER node
ENTRYPOINT ["node", "bin/gridwatch.js"]
CMD ["--help"]
