/** A config `{ secret: NAME }` reference: it names a secret and holds no value. */
export function isSecretReference(v: unknown): v is { secret: string } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length === 1 &&
    typeof (v as { secret?: unknown }).secret === 'string'
  );
}
