import { z } from 'zod';
import { idSchema } from '../lib/ids.js';
import { sha256HexSchema } from '../lib/tokens.js';
import { loadConfigFile } from '../lib/config-file.js';
import { isPostgresUrl } from './db/connect.js';

const tokenSha256Schema = sha256HexSchema;

/**
 * cloud.yaml. Also accepts objects built in code (the demo, tests): everything but the token
 * lists has a default.
 */
export const cloudConfigSchema = z
  .object({
    http: z
      .object({
        /** @default "127.0.0.1": reachable from this machine only until you say otherwise */
        host: z.string().min(1).default('127.0.0.1'),
        /** @default 8080; 0 picks any free port (tests) */
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    /**
     * postgres:// or postgresql:// selects PostgreSQL; absent selects SQLite at sqlitePath.
     * loadCloudConfig fills it from DATABASE_URL when the file has none.
     */
    databaseUrl: z
      .string()
      .refine(isPostgresUrl, 'must start with postgres:// or postgresql:// (leave it out for SQLite)')
      .optional(),
    /** @default "./data/cloud.sqlite" */
    sqlitePath: z.string().min(1).default('./data/cloud.sqlite'),
    /** @default 1048576 (1 MiB: 500 alerts with room to spare) */
    bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
    /** Gateways that may post alerts, each with its own token. */
    gateways: z.array(z.object({ id: idSchema, tokenSha256: tokenSha256Schema }).strict()).default([]),
    /** Readers of tickets (dispatch console, CLI). */
    readers: z.array(z.object({ name: idSchema, tokenSha256: tokenSha256Schema }).strict()).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const idAt = new Map<string, number>();
    config.gateways.forEach((g, i) => {
      const first = idAt.get(g.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['gateways', i, 'id'], message: `"${g.id}" is already gateways[${first}]` });
      else idAt.set(g.id, i);
    });
    const nameAt = new Map<string, number>();
    config.readers.forEach((r, i) => {
      const first = nameAt.get(r.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['readers', i, 'name'], message: `"${r.name}" is already readers[${first}]` });
      else nameAt.set(r.name, i);
    });
    // One token, one principal: a token shared by a gateway and a reader would let a gateway read tickets.
    const tokenAt = new Map<string, string>();
    const holders = [
      ...config.gateways.map((g, i) => ({ where: `gateways[${i}]`, path: ['gateways', i, 'tokenSha256'], sha: g.tokenSha256 })),
      ...config.readers.map((r, i) => ({ where: `readers[${i}]`, path: ['readers', i, 'tokenSha256'], sha: r.tokenSha256 })),
    ];
    for (const h of holders) {
      const first = tokenAt.get(h.sha);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: h.path, message: `the same token as ${first}; give each gateway and reader its own` });
      else tokenAt.set(h.sha, h.where);
    }
  });

/** What the schema accepts (defaults optional), e.g. for a config built in code. */
export type CloudConfigInput = z.input<typeof cloudConfigSchema>;
export type CloudConfig = z.output<typeof cloudConfigSchema>;

/**
 * Reads and validates cloud.yaml. Errors name the file and the field ("cloud.yaml:
 * gateways[0].tokenSha256: ..."). DATABASE_URL from `env` is used when the file sets no
 * databaseUrl (the usual way to hand a container its database).
 */
export function loadCloudConfig(file: string, env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const envUrl = env.DATABASE_URL;
  return loadConfigFile(cloudConfigSchema, file, 'cloud config', (raw) =>
    envUrl && isPlainObject(raw) && raw.databaseUrl === undefined ? { ...raw, databaseUrl: envUrl } : raw,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
