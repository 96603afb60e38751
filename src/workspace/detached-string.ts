/**
 * A copy of `text` that does not keep the string it was cut from alive. V8 represents a slice of a
 * long string as a view into the original, so a title sliced from a file's text would pin the whole
 * text for as long as the record lives: 100,000 records would hold every file's content. Records
 * that outlive a scan store their strings through this.
 */
export function detachedString(text: string): string {
  // Slices shorter than 13 characters are copied by V8 anyway; a concatenation is flattened into a
  // fresh string before it is sliced, so the result views only that small copy.
  return text.length < 13 ? text : ` ${text}`.slice(1);
}
