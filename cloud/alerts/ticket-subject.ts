import type { Alert } from '../../contract/alert.js';

/**
 * The rules whose tickets are per device (the gateway's default device-health rule ids). Every
 * other rule's tickets are per household: two devices' SOS presses in one home are one call for
 * help, but a silent wristband and a silent meter are two things to repair, and a meter joining
 * the band's ticket would never be heard of (issue 14).
 *
 * The seed of the event catalogue, where each rule will say whether its tickets are per device or
 * per household. A rule added here later needs a migration that sets `subject` on its open
 * tickets (as 0006-ticket-subject did for these), or they stop receiving their device's alerts.
 */
export const PER_DEVICE_RULES: readonly string[] = ['device-silent', 'low-battery', 'device-faulty'];

const perDevice = new Set(PER_DEVICE_RULES);

/**
 * What a ticket is about besides its gateway, household and rule: the device for a per-device
 * rule, '' for a per-household one. An alert joins the non-closed ticket of its (gateway,
 * household, rule, subject).
 */
export function ticketSubject(alert: Pick<Alert, 'rule' | 'deviceId'>): string {
  return perDevice.has(alert.rule) ? alert.deviceId : '';
}
