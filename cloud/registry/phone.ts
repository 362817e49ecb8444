import { z } from 'zod';

/**
 * Phone numbers as people in China write them: a mobile (11 digits from 13-19, optionally +86),
 * or a landline with its area code (010-12345678, 0512 1234567). Kept as written, without spaces.
 */
export const phoneSchema = z
  .string()
  .transform((s) => s.replace(/[\s()]/g, ''))
  .pipe(z.string().regex(/^(?:(?:\+?86)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/, 'a mobile (1[3-9] and 9 digits) or a landline with its area code (010-12345678)'));

/** A phone as lists, logs and CLI output show it unless a role needs it whole: 138****5678. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}
