/** Where the CLI writes. Only the entry point makes one from the real process streams. */
export interface ConsoleSink {
  /** One line to stdout (the newline is added). */
  out(line: string): void;
  /** One line to stderr (the newline is added). */
  err(line: string): void;
  /** Whether stderr is a terminal, so progress is worth showing. */
  readonly interactive: boolean;
}
