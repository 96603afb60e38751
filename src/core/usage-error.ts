/**
 * A mistake in how the tool was called (options, config, environment). The entry point prints
 * `ERROR: <message>` on stderr and exits 2; `showUsage` adds the usage text on stdout, as the
 * reference did for an unknown command.
 */
export class UsageError extends Error {
  constructor(message: string, readonly showUsage = false) {
    super(message);
    this.name = 'UsageError';
  }
}
