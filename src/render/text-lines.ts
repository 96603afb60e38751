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
      const error = event.message !== undefined ? ` error=${quoted(event.message)}` : '';
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
    const plain = typeof value === 'number' || /^[^\s"\\\u0000-\u001f\u007f-\u009f]*$/.test(value);
    text += ` ${key}=${plain ? String(value) : quoted(value)}`;
  }
  return text;
}

/**
 * `value` as a JSON string, with DEL and the C1 control characters escaped too (JSON.stringify
 * leaves them raw): a file name holding U+009B, which some terminals take for an escape sequence,
 * must not reach the terminal as one.
 */
function quoted(value: string): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(value).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
