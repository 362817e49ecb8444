import { z } from 'zod';

/**
 * Identifiers of gateways, households, devices and rules: what installers type and what appears
 * in MQTT topics and URLs, so no spaces, slashes or wildcards.
 */
export const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'use letters, digits and . _ : - (starting with a letter or digit)');
