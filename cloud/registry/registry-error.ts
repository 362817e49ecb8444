/** A registry input that names something that does not fit: what, and where (the field's path). */
export class RegistryError extends Error {
  constructor(
    readonly code: 'unknown_place' | 'wrong_level' | 'unknown_compound' | 'unknown_tag' | 'derived_tag' | 'unknown_household' | 'unknown_user' | 'unknown_gateway' | 'unknown_device' | 'exists',
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
