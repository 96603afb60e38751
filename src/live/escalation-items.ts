import type { EscalationExtras } from '../core/step-outcome.js';

/** How many items an escalation payload lists; `items_total` says how many there were. */
export const ESCALATION_ITEM_CAP = 20;

/** The extras a verify failure carries: what a person must decide, the first items, and their total. */
export function escalationItems(decision: string, items: readonly unknown[]): EscalationExtras {
  return {
    decision,
    items: items.slice(0, ESCALATION_ITEM_CAP),
    items_total: items.length,
  };
}
