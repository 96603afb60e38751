/**
 * A user-supplied value as it goes into an error message: unchanged when printable, with control
 * characters shown as `\xNN` so a hostile argument cannot rewrite the operator's terminal.
 */
export function displayValue(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
