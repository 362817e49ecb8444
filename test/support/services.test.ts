import { describe, expect, test } from 'vitest';
import { requireService } from './services.js';

describe('requireService', () => {
  test('returns the value when the variable is set', () => {
    expect(requireService('DATABASE_URL', { DATABASE_URL: 'postgres://x', CI: 'true' })).toBe('postgres://x');
  });

  test('lets a suite skip locally when the variable is unset', () => {
    expect(requireService('DATABASE_URL', {})).toBeUndefined();
    expect(requireService('DATABASE_URL', { DATABASE_URL: '' })).toBeUndefined();
  });

  test('fails on CI instead of skipping, naming the variable', () => {
    expect(() => requireService('DATABASE_URL', { CI: 'true' })).toThrow(/DATABASE_URL is not set/);
  });
});
