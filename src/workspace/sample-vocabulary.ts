/**
 * Words the sample generator draws from: spec-folder slugs, memory titles, trigger phrases and
 * paragraph text that read like a real project's notes. Plain ASCII words only, so every title is
 * safe unquoted in YAML and the generated files exercise the front-matter fast path.
 */

export const SPEC_TOPICS = [
  'memory', 'auth', 'search', 'retry', 'indexing', 'billing', 'onboarding', 'telemetry', 'cache', 'export',
  'import', 'sessions', 'routing', 'ledger', 'embeddings', 'api', 'cli', 'sync', 'backup', 'permissions',
  'notifications', 'scheduler', 'migration', 'config', 'logging', 'metrics', 'uploads', 'reports', 'checkout', 'webhooks',
] as const;

export const SPEC_ASPECTS = [
  'refactor', 'hardening', 'rollout', 'cleanup', 'redesign', 'fixes', 'v2', 'spike', 'limits', 'timeouts',
  'backoff', 'pagination', 'validation', 'errors', 'latency', 'schema', 'drift', 'audit', 'quotas', 'docs',
] as const;

export const TITLE_SUBJECTS = [
  'Retry backoff', 'Index rebuild', 'Session routing', 'Ledger append', 'Token refresh', 'Cache eviction',
  'Search ranking', 'Schema migration', 'Webhook delivery', 'Rate limiting', 'Embedding queue', 'Export format',
  'Error budget', 'Lock timeout', 'Batch import', 'Config loading', 'Health check', 'Vector search',
  'Trigger matching', 'Checkpoint restore', 'FTS sync', 'Permission model', 'Upload resume', 'Report scheduling',
] as const;

export const TITLE_KINDS = [
  'decision', 'notes', 'findings', 'investigation', 'plan', 'follow-up', 'summary', 'review', 'handover', 'trade-offs',
] as const;

export const TITLE_CONTEXTS = [
  'for search', 'in the CLI', 'for the memory server', 'after the outage', 'for large workspaces', 'under load',
  'for nested specs', 'in CI', 'for the v2 API', 'before release', 'with SQLite', 'across sessions',
] as const;

export const PHRASE_WORDS = [
  'retry', 'backoff', 'index', 'drift', 'ledger', 'session', 'routing', 'fts', 'vector', 'schema', 'cache',
  'timeout', 'lock', 'busy', 'migration', 'hash', 'stale', 'orphan', 'trigger', 'checkpoint', 'rollback',
  'latency', 'budget', 'token', 'quota', 'webhook', 'export', 'import', 'embedding', 'search',
] as const;

export const SENTENCE_WORDS = [
  'the', 'index', 'server', 'writes', 'a', 'row', 'for', 'each', 'memory', 'file', 'and', 'we', 'decided', 'to',
  'keep', 'retry', 'budget', 'small', 'because', 'busy', 'database', 'errors', 'clear', 'quickly', 'when', 'another',
  'writer', 'finishes', 'its', 'transaction', 'session', 'lookups', 'need', 'an', 'on', 'id', 'column', 'otherwise',
  'latency', 'grows', 'with', 'workspace', 'size', 'ledger', 'entries', 'are', 'only', 'ever', 'appended', 'which',
  'makes', 'audits', 'simple', 'but', 'means', 'corrections', 'become', 'new', 'rows', 'this', 'note', 'records',
  'what', 'tried', 'first', 'fts', 'table', 'follows', 'through', 'triggers', 'so', 'bulk', 'loads', 'must', 'go',
  'same', 'path', 'vectors', 'can', 'lag', 'behind', 'until', 'embedding', 'queue', 'drains', 'hash', 'of', 'text',
  'decides', 'whether', 'content', 'changed', 'mtime', 'alone', 'is', 'not', 'enough', 'review', 'later', 'after',
  'release', 'if', 'numbers', 'hold', 'up', 'in', 'production', 'spec', 'folder', 'owns', 'plan', 'tasks',
] as const;
