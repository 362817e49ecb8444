import { expect, test } from 'vitest';
import { maskPhone, phoneSchema } from '../../../cloud/registry/phone.js';

test('phones as people in China write them are taken, anything else is refused', () => {
  for (const ok of ['13812345678', '+8613812345678', '138 1234 5678', '010-12345678', '0512 1234567']) expect(phoneSchema.safeParse(ok).success, ok).toBe(true);
  for (const bad of ['12345678901', '1381234567', '12345', 'abc', '021-123']) expect(phoneSchema.safeParse(bad).success, bad).toBe(false);
});

test('a masked phone keeps its first three and last four digits', () => {
  expect(maskPhone('13812345678')).toBe('138****5678');
  expect(maskPhone('010-12345678')).toBe('010****5678');
});
