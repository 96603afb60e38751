/** Every exit code the executables use, in one place. Only the entry point sets the process's. */
export const EXIT = {
  /** Recovered, healthy, or the command did what was asked. */
  ok: 0,
  /** A run escalated, or `check` found drift. */
  escalatedOrDrift: 1,
  /** The command line, config or environment was wrong; nothing was changed. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
