/**
 * The dispatcher's own event ids. Operational events derive their ids from
 * what happened (so a report made twice is stored once), which makes them
 * predictable: a publisher who took one first would suppress the namespace's
 * notice. Publishers may therefore not use these prefixes (issue 15).
 */
export const OPERATIONAL_ID_PREFIX = {
  disabled: "evt_disabled_",
  exhausted: "evt_exhausted_",
  failing: "evt_failing_",
  circuitOpened: "evt_circuit_opened_",
  recovered: "evt_recovered_",
} as const;

export function isReservedEventId(id: string): boolean {
  return Object.values(OPERATIONAL_ID_PREFIX).some((p) => id.startsWith(p));
}
