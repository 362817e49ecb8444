import { z } from 'zod';

const UNITS = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;
const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/;

/** Parses "64MiB", "1GB", "512KB" to bytes; throws a message naming the input. */
export function parseByteSize(text: string): number {
  const match = SIZE.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a size: write a number and a unit, e.g. "256MiB", "1GB", "512KB"`);
  return Math.round(Number(match[1]) * UNITS[match[2] as keyof typeof UNITS]);
}

/** A size in configuration: "256MiB" (or a number of bytes); parsed to bytes. */
export const byteSizeSchema = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  try {
    const bytes = parseByteSize(value);
    if (bytes <= 0) throw new Error(`"${value}" must be more than zero`);
    return bytes;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
