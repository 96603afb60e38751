import { orderedJson } from '../core/ordered-json.js';
import type { RunEvent } from '../core/run-events.js';

/** One JSON object for every event (`--json`); the three payload lines are printed unchanged. */
export function jsonLine(event: RunEvent): string {
  switch (event.type) {
    case 'run-started':
      return orderedJson([
        ['level', 'STATE'],
        ['class', event.failureClass],
        ['scenario', event.scenario],
        ['max_attempts', event.maxAttempts],
        ['timestamp', event.timestamp],
      ]);
    case 'attempt-started':
      return orderedJson([
        ['level', 'ACTION'],
        ['class', event.failureClass],
        ['step', event.step],
        ['attempt', event.attempt],
        ['max_attempts', event.maxAttempts],
        ['command', event.command],
        ['timestamp', event.timestamp],
      ]);
    case 'attempt-ended':
      return orderedJson([
        ['level', event.outcome === 'success' ? 'OK' : event.outcome === 'retryable-failure' ? 'WARN' : 'ERROR'],
        ['class', event.failureClass],
        ['step', event.step],
        ['attempt', event.attempt],
        ['max_attempts', event.maxAttempts],
        ['outcome', event.outcome],
        ['command', event.command],
        ['details', Object.keys(event.details).length > 0 ? event.details : undefined],
        ['error', event.message],
        ['timestamp', event.timestamp],
      ]);
    case 'backoff':
      return orderedJson([
        ['level', 'BACKOFF'],
        ['class', event.failureClass],
        ['step', event.step],
        ['attempt', event.attempt],
        ['seconds', event.seconds],
        ['command', event.command],
        ['timestamp', event.timestamp],
      ]);
    default:
      return event.payload;
  }
}
