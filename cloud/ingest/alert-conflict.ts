/**
 * A gateway sent an alert id it had delivered before, with other content. The ids are
 * deterministic (gateway, rule, device, episode, kind), so a resend is byte for byte the same
 * alert; a different one under a known id is a gateway whose episode numbers started again (its
 * database was replaced) or a bug, and must never be answered as delivered: the gateway would
 * drop an alert the cloud never recorded. The store throws this inside its transaction, so
 * nothing of the batch is committed; the route answers 409 naming each alert.
 */
export class AlertIdConflictError extends Error {
  constructor(
    readonly conflicts: ReadonlyArray<{ index: number; alertId: string; fields: readonly string[] }>,
  ) {
    super(`${conflicts.length} alert id(s) already delivered with other content: ${conflicts.map((c) => c.alertId).join(', ')}`);
    this.name = 'AlertIdConflictError';
  }
}
