import { createRequire } from 'node:module';
import type * as Zod from 'zod';
import { FAILURE_CLASSES } from '../catalog/failure-classes.js';
import { RETRY_LIMITS } from '../core/retry-policy.js';

/**
 * The config FILE as written (JSON or YAML), before defaults. Strict: an unknown key is an error, and
 * the `steps` section is built from the catalog, so a misspelt class or step name is caught before
 * anything runs. Every message says what was expected and what was found; `load-config` adds the
 * file and the dotted path.
 */

/** Longest shown form of a bad value in a message; longer ones are cut with `…`. */
const SHOWN_VALUE_CHARS = 60;

/** An error callback for zod: `<expected> (got: <value>)`, or `<expected> (missing)`. */
function expected(text: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? `${text} (missing)` : `${text} (got: ${shownValue(issue.input)})`);
}

/** A bad value as it appears after `got:`: JSON-like, cut short. */
export function shownValue(value: unknown): string {
  let text: string;
  if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
  else if (value === undefined) text = 'nothing';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > SHOWN_VALUE_CHARS ? `${text.slice(0, SHOWN_VALUE_CHARS - 1)}…` : text;
}

/** The longest a step command may run before it is killed: one day, in seconds. */
export const MAX_STEP_TIMEOUT_SECONDS = 86_400;

/**
 * zod is loaded, and the schema built, only when a config file is read: importing zod costs a
 * command without a config file tens of milliseconds at start-up for nothing.
 */
let schemas: ReturnType<typeof buildSchemas> | undefined;

/** The schemas of a config file and of one step's command. */
export function configSchemas(): ReturnType<typeof buildSchemas> {
  schemas ??= buildSchemas((createRequire(import.meta.url)('zod') as typeof Zod).z);
  return schemas;
}

function buildSchemas(z: typeof Zod.z) {
  function nonEmptyString(): Zod.z.ZodString {
    const text = expected('expected a non-empty string');
    return z.string({ error: text }).min(1, { error: text });
  }

  /** A string passed to a child process: the kernel cannot carry a NUL inside one. */
  function processString(allowEmpty: boolean): Zod.z.ZodString {
    const text = expected(allowEmpty ? 'expected a string' : 'expected a non-empty string');
    const base = z.string({ error: text });
    return (allowEmpty ? base : base.min(1, { error: text })).refine((value) => !value.includes('\u0000'), {
      error: 'expected a string without NUL characters',
    });
  }

  function integerFrom(min: number, max: number): Zod.z.ZodNumber {
    const text = expected(`expected an integer from ${min} to ${max}`);
    return z.number({ error: text }).int({ error: text }).min(min, { error: text }).max(max, { error: text });
  }

  function numberFrom(min: number, max: number): Zod.z.ZodNumber {
    const text = expected(`expected a number from ${min} to ${max}`);
    return z.number({ error: text }).min(min, { error: text }).max(max, { error: text });
  }

  function positiveNumber(max?: number): Zod.z.ZodNumber {
    const text = expected('expected a number > 0');
    const schema = z.number({ error: text }).gt(0, { error: text });
    return max === undefined ? schema : schema.max(max, { error: expected(`expected a number <= ${max}`) });
  }

  /** One step's command: program and arguments, run without a shell. */
  const commandStepSchema = z.strictObject(
    {
      command: z
        .array(processString(false), { error: expected('expected a non-empty list of non-empty strings') })
        .min(1, { error: expected('expected a non-empty list of non-empty strings') }),
      timeoutSeconds: positiveNumber(MAX_STEP_TIMEOUT_SECONDS).optional(),
      cwd: nonEmptyString().optional(),
      env: z
        .record(
          z.string().regex(/^[^=\u0000]+$/, { error: 'expected a variable name without "=" or NUL' }),
          processString(true),
          { error: expected('expected an object of variable names to strings') },
        )
        .optional(),
      nonRetryableExitCodes: z
        .array(integerFrom(1, 255), { error: expected('expected a list of integers from 1 to 255') })
        .optional(),
    },
    { error: expected('expected an object with a command') },
  );

  /** The steps of one class: each of its step names may have a command. */
  function classStepsSchema(steps: readonly { readonly name: string }[]) {
    const shape = Object.fromEntries(steps.map((step) => [step.name, commandStepSchema.optional()]));
    return z.strictObject(shape, { error: expected('expected an object of step names to commands') }).optional();
  }

  const stepsSchema = z.strictObject(
    Object.fromEntries(FAILURE_CLASSES.map((failureClass) => [failureClass.id, classStepsSchema(failureClass.steps)])),
    { error: expected('expected an object of failure classes to steps') },
  );

  /** The whole config file. */
  const configFileSchema = z.strictObject(
    {
      db: nonEmptyString().optional(),
      specsRoot: nonEmptyString().optional(),
      telemetry: z
        .strictObject(
          { schema: nonEmptyString().optional(), docs: nonEmptyString().optional(), events: nonEmptyString().optional() },
          { error: expected('expected an object') },
        )
        .optional(),
      policy: z
        .strictObject(
          {
            maxAttempts: integerFrom(1, RETRY_LIMITS.maxAttempts).optional(),
            backoffSeconds: integerFrom(0, RETRY_LIMITS.backoffSeconds).optional(),
          },
          { error: expected('expected an object') },
        )
        .optional(),
      thresholds: z
        .strictObject(
          {
            misrouteRate: numberFrom(0, 1).optional(),
            lookupP95Ms: positiveNumber().optional(),
            sampleSize: integerFrom(1, 1_000_000).optional(),
            maxOrphanedShare: numberFrom(0, 1).optional(),
          },
          { error: expected('expected an object') },
        )
        .optional(),
      lockTimeoutSeconds: numberFrom(0, 3600).optional(),
      owners: z
        .strictObject(Object.fromEntries(FAILURE_CLASSES.map((failureClass) => [failureClass.id, nonEmptyString().optional()])), {
          error: expected('expected an object of failure classes to owners'),
        })
        .optional(),
      steps: stepsSchema.optional(),
    },
    { error: expected('expected an object of settings') },
  );

  return { configFileSchema, commandStepSchema };
}

/** The config file as parsed: what was written, no defaults filled in. */
export type ConfigFile = Zod.z.infer<ReturnType<typeof buildSchemas>['configFileSchema']>;

/**
 * Why `key` is not allowed in the object at `parentPath` (a path into the file): names what is.
 * `steps.index-drift.bogus-step` → `unknown step (index-drift has detect-divergence, rebuild-index, verify-parity)`.
 */
export function unknownKeyMessage(parentPath: readonly PropertyKey[], key: string): string {
  if (parentPath.length === 1 && (parentPath[0] === 'steps' || parentPath[0] === 'owners')) {
    return `unknown failure class (expected one of ${FAILURE_CLASSES.map((c) => c.id).join(', ')})`;
  }
  if (parentPath.length === 2 && parentPath[0] === 'steps') {
    const failureClass = FAILURE_CLASSES.find((c) => c.id === parentPath[1]);
    if (failureClass) {
      const owner = FAILURE_CLASSES.find((c) => c.steps.some((step) => step.name === key));
      const hint = owner ? `; ${key} is a ${owner.id} step` : '';
      return `unknown step (${failureClass.id} has ${failureClass.steps.map((step) => step.name).join(', ')}${hint})`;
    }
  }
  const known = knownKeysAt(parentPath);
  return known.length > 0 ? `unknown field (expected one of ${known.join(', ')})` : 'unknown field';
}

/** The keys the schema allows in the object at `path`, by walking the schema's shapes. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const z = (createRequire(import.meta.url)('zod') as typeof Zod).z;
  const unwrapOptional = (schema: Zod.z.ZodType): Zod.z.ZodType => (schema instanceof z.ZodOptional ? (schema.unwrap() as Zod.z.ZodType) : schema);
  let schema: Zod.z.ZodType = configSchemas().configFileSchema;
  for (const segment of path) {
    const object = unwrapOptional(schema);
    if (!(object instanceof z.ZodObject)) return [];
    const next = (object.shape as Record<string, Zod.z.ZodType>)[String(segment)];
    if (!next) return [];
    schema = next;
  }
  const object = unwrapOptional(schema);
  return object instanceof z.ZodObject ? Object.keys(object.shape) : [];
}
