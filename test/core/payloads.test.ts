import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderedJson } from '../../src/core/ordered-json.js';
import { escalationPayload, healthyPayload, recoveryPayload, type EscalationReason } from '../../src/core/payloads.js';
import { topLevelKeys } from '../support/json-keys.js';

const ESCALATION_KEYS = ['event', 'failure_class', 'step', 'attempts', 'owner', 'reason', 'next_action', 'command', 'timestamp'];
const COMPLETION_KEYS = ['event', 'failure_class', 'owner', 'summary', 'timestamp'];

/**
 * Any string, and then some: every code point (`binary`), plus single UTF-16 units so that lone
 * surrogates, C0/C1 controls, U+2028/2029, quotes and backslashes turn up often.
 */
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.oneof(
      fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\u2028', '\u2029', '"', '\\', '\u007f', '\u0085', '\n', '\r', '\u0000'),
      fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    ),
  }),
);

/** Extra keys: contract names (which must be ignored), integer-like names (which JSON.parse reorders), anything. */
const extraKey = fc.oneof(
  fc.constantFrom(...ESCALATION_KEYS, ...COMPLETION_KEYS, 'error', '0', '1', '42', '__proto__', 'constructor'),
  anyString,
);
const extraValue = fc.oneof(anyString, fc.integer(), fc.boolean(), fc.constant(null), fc.array(anyString, { maxLength: 3 }), fc.dictionary(anyString, anyString, { maxKeys: 3 }));
const extrasArb = fc.dictionary(extraKey, extraValue, { maxKeys: 6 });

/** One line, well-formed UTF-16 (so it encodes to UTF-8 and back unchanged), and JSON. */
function expectOneValidLine(line: string): Record<string, unknown> {
  expect(line).not.toMatch(/[\n\r\u0000-\u001f]/);
  expect(Buffer.from(line, 'utf8').toString('utf8')).toBe(line);
  return JSON.parse(line) as Record<string, unknown>;
}

/** The extras a payload keeps: those whose key is not already a contract key, in their own order. */
function keptExtras(contractKeys: readonly string[], extras: Readonly<Record<string, unknown>>): Array<[string, unknown]> {
  return Object.entries(extras).filter(([key]) => !contractKeys.includes(key));
}

describe('escalationPayload', () => {
  it('is one line of valid JSON with the contract keys first and in order, for any strings, and extras never override them', () => {
    fc.assert(
      fc.property(
        fc.record({
          failureClass: anyString,
          step: anyString,
          attempts: fc.integer({ min: 1, max: 1000 }),
          owner: anyString,
          reason: fc.constantFrom<EscalationReason>('bounded-retry-exhausted', 'non-retryable-error'),
          command: anyString,
          timestamp: anyString,
        }),
        extrasArb,
        (fields, extras) => {
          const line = escalationPayload(fields, extras);
          const parsed = expectOneValidLine(line);
          const kept = keptExtras(ESCALATION_KEYS, extras);
          expect(topLevelKeys(line)).toEqual([...ESCALATION_KEYS, ...kept.map(([key]) => key)]);
          expect(parsed).toMatchObject({
            event: 'ESCALATION',
            failure_class: fields.failureClass,
            step: fields.step,
            attempts: fields.attempts,
            owner: fields.owner,
            reason: fields.reason,
            next_action: 'operator-ack-required',
            command: fields.command,
            timestamp: fields.timestamp,
          });
          for (const [key, value] of kept) expect(Object.getOwnPropertyDescriptor(parsed, key)?.value).toEqual(value);
        },
      ),
    );
  });

  it('without extras is exactly the contract example', () => {
    expect(
      escalationPayload({
        failureClass: 'telemetry-drift',
        step: 'detect-schema-doc-drift',
        attempts: 2,
        owner: 'Operations Lead',
        reason: 'bounded-retry-exhausted',
        command: 'node dist/evals/run-phase3-telemetry-dashboard.js --check schema-doc-parity',
        timestamp: '2026-02-22T00:00:00Z',
      }),
    ).toBe(
      '{"event":"ESCALATION","failure_class":"telemetry-drift","step":"detect-schema-doc-drift","attempts":2,"owner":"Operations Lead","reason":"bounded-retry-exhausted","next_action":"operator-ack-required","command":"node dist/evals/run-phase3-telemetry-dashboard.js --check schema-doc-parity","timestamp":"2026-02-22T00:00:00Z"}',
    );
  });
});

describe.each([
  ['recoveryPayload', recoveryPayload, 'RECOVERY_COMPLETE'],
  ['healthyPayload', healthyPayload, 'HEALTHY'],
] as const)('%s', (_name, payload, event) => {
  it('is one line of valid JSON with the contract keys in order, for any strings, and extras never override them', () => {
    fc.assert(
      fc.property(fc.record({ failureClass: anyString, owner: anyString, summary: anyString, timestamp: anyString }), extrasArb, (fields, extras) => {
        const line = payload(fields, extras);
        const parsed = expectOneValidLine(line);
        const kept = keptExtras(COMPLETION_KEYS, extras);
        expect(topLevelKeys(line)).toEqual([...COMPLETION_KEYS, ...kept.map(([key]) => key)]);
        expect(parsed).toMatchObject({ event, failure_class: fields.failureClass, owner: fields.owner, summary: fields.summary, timestamp: fields.timestamp });
        for (const [key, value] of kept) expect(Object.getOwnPropertyDescriptor(parsed, key)?.value).toEqual(value);
      }),
    );
  });
});

describe('recoveryPayload', () => {
  it('is exactly the contract example', () => {
    expect(
      recoveryPayload({ failureClass: 'index-drift', owner: 'Engineering Lead', summary: 'index parity restored and verified', timestamp: '2026-02-22T00:00:00Z' }),
    ).toBe('{"event":"RECOVERY_COMPLETE","failure_class":"index-drift","owner":"Engineering Lead","summary":"index parity restored and verified","timestamp":"2026-02-22T00:00:00Z"}');
  });
});

describe('orderedJson', () => {
  it('keeps the first of duplicate keys and the given order, integer-like keys included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(extraKey, anyString), { maxLength: 8 }), (entries) => {
        const line = orderedJson(entries);
        const firsts = new Map<string, string>();
        for (const [key, value] of entries) if (!firsts.has(key)) firsts.set(key, value);
        expect(topLevelKeys(line)).toEqual([...firsts.keys()]);
        const parsed = expectOneValidLine(line);
        for (const [key, value] of firsts) expect(Object.getOwnPropertyDescriptor(parsed, key)?.value).toBe(value);
      }),
    );
  });
});
