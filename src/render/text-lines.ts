import type { RunEvent } from '../core/run-events.js';
import type { StepDetails } from '../core/step-outcome.js';

/**
 * The contract's pipe-delimited line for an event (`<ts> | <LEVEL> | <message>`), the payload line
 * unchanged for the three endings, or `undefined` for events the shell scripts never printed.
 */
export function textLine(event: RunEvent): string | undefined {
  switch (event.type) {
    case 'run-started':
      return `${event.timestamp} | STATE | class=${event.failureClass} scenario=${event.scenario} max_attempts=${event.maxAttempts}`;
    case 'attempt-started':
      return `${event.timestamp} | ACTION | class=${event.failureClass} step=${event.step} attempt=${event.attempt}/${event.maxAttempts} command=${event.command}`;
    case 'attempt-ended': {
      const level = event.outcome === 'success' ? 'OK' : event.outcome === 'retryable-failure' ? 'WARN' : 'ERROR';
      const error = event.message !== undefined ? ` error=${JSON.stringify(event.message)}` : '';
      return `${event.timestamp} | ${level} | class=${event.failureClass} step=${event.step} outcome=${event.outcome}${formatDetails(event.details)}${error}`;
    }
    case 'backoff':
      return undefined;
    default:
      return event.payload;
  }
}

/** ` key=value` pairs; a value with spaces, quotes or control characters is JSON-quoted so the line stays one line. */
export function formatDetails(details: StepDetails): string {
  let text = '';
  for (const [key, value] of Object.entries(details)) {
    const plain = typeof value === 'number' || /^[^\s"\\\u0000-\u001f\u007f]*$/.test(value);
    text += ` ${key}=${plain ? String(value) : JSON.stringify(value)}`;
  }
  return text;
}
