import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../core/usage-error.js';
import { configSchemas, unknownKeyMessage, type ConfigFile } from './config-schema.js';
import { defaultConfig, type CommandStepConfig, type OpshealConfig } from './opsheal-config.js';

/** The names a workspace's config may have, in the order they are looked for. */
export const WORKSPACE_CONFIG_NAMES = ['opsheal.config.json', 'opsheal.config.yaml', 'opsheal.config.yml'] as const;

/**
 * The workspace's config file, or `undefined` when it has none: `opsheal.config.json`, then `.yaml`,
 * then `.yml`. A name that exists but is not a readable file is still returned, so that loading it
 * fails loudly instead of the config being silently skipped.
 */
export function findWorkspaceConfig(workspaceDir: string): string | undefined {
  const found = WORKSPACE_CONFIG_NAMES.map((name) => path.join(workspaceDir, name)).filter((file) => existsSync(file));
  // Which one a person edited last is anyone's guess: reading one would silently ignore the other.
  if (found.length > 1) {
    throw new UsageError(`the workspace has ${found.length} config files (${found.map((file) => path.basename(file)).join(', ')}): keep one, or name it with --config FILE`);
  }
  return found[0];
}

/**
 * Reads, validates and resolves a config file: `.json` as JSON, anything else as YAML. Defaults come
 * from `defaultConfig`, with `baseDir` the file's folder (absolute) and `source` the file as given.
 * Every problem throws a one-line `UsageError`: `config <file>: <dotted.path>: <what was expected> (got: <value>)`.
 */
export function loadConfig(file: string): OpshealConfig {
  const fail = (message: string): never => {
    throw new UsageError(oneLine(`config ${file}: ${message}`));
  };

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`cannot read: ${errorMessage(error)}`);
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);

  const raw = path.extname(file).toLowerCase() === '.json' ? parseJson(text, fail) : parseYaml(text, fail);
  const parsed = configSchemas().configFileSchema.safeParse(raw);
  if (!parsed.success) return fail(describeIssues(parsed.error.issues));
  return resolveConfig(parsed.data, path.dirname(path.resolve(file)), file);
}

/** The file's settings laid over the defaults. */
function resolveConfig(file: ConfigFile, baseDir: string, source: string): OpshealConfig {
  const defaults = defaultConfig(baseDir);
  return {
    ...defaults,
    source,
    ...(file.db !== undefined ? { db: file.db } : {}),
    specsRoot: file.specsRoot ?? defaults.specsRoot,
    telemetry: { ...defaults.telemetry, ...file.telemetry },
    ...(file.policy !== undefined ? { policy: file.policy } : {}),
    thresholds: { ...defaults.thresholds, ...file.thresholds },
    lockTimeoutSeconds: file.lockTimeoutSeconds ?? defaults.lockTimeoutSeconds,
    owners: Object.fromEntries(Object.entries(file.owners ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    steps: definedSteps(file.steps),
  };
}

/** The `steps` section without the classes and steps the schema allowed but the file left out. */
function definedSteps(steps: ConfigFile['steps']): OpshealConfig['steps'] {
  const resolved: Record<string, Record<string, CommandStepConfig>> = {};
  for (const [failureClass, classSteps] of Object.entries(steps ?? {})) {
    if (!classSteps) continue;
    resolved[failureClass] = {};
    for (const [step, config] of Object.entries(classSteps)) {
      if (config) resolved[failureClass][step] = config;
    }
  }
  return resolved;
}

function parseJson(text: string, fail: (message: string) => never): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON: ${errorMessage(error)}`);
  }
}

function parseYaml(text: string, fail: (message: string) => never): unknown {
  let value: unknown;
  try {
    // parseDocument rather than parse: errors are collected instead of thrown, and warnings
    // (unknown tags and the like) are not printed on our stderr behind our back.
    // Loaded here, not at start-up: only a YAML config needs it.
    const document = (createRequire(import.meta.url)('yaml') as typeof Yaml).parseDocument(text);
    const [first] = document.errors;
    if (first) return fail(`not valid YAML: ${firstLine(first.message)}`);
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return fail(`not valid YAML: ${firstLine(errorMessage(error))}`);
  }
  // An empty file (or one with only comments) is a config that changes nothing.
  return value === null || value === undefined ? {} : value;
}

/** The first problem, with its dotted path; a count of the rest, if any. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const problems = issues.flatMap((issue): string[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${dottedPath([...issue.path, key])}: ${unknownKeyMessage(issue.path, key)}`);
    }
    if (issue.code === 'invalid_key') {
      return [`${dottedPath(issue.path)}: ${issue.issues[0]?.message ?? issue.message}`];
    }
    const where = dottedPath(issue.path);
    return [where ? `${where}: ${issue.message}` : issue.message];
  });
  const [first = 'invalid config', ...rest] = problems;
  return rest.length === 0 ? first : `${first} (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})`;
}

function dottedPath(segments: readonly PropertyKey[]): string {
  return segments.map(String).join('.');
}

/** yaml's messages end in a code frame: `... at line 2, column 1:\n\na: 1\n^`. Keep the sentence. */
function firstLine(message: string): string {
  return (message.split(/\r?\n/, 1)[0] ?? '').trim().replace(/:$/, '');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Control characters (a newline in a key or a path) shown escaped, so the message stays one line. */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
