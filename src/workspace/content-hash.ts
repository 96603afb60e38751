import * as crypto from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';

/** The UTF-8 encoding of U+FEFF, the byte-order mark some editors put at the start of a file. */
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** True when `bytes` starts with a UTF-8 byte-order mark. */
export function startsWithUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2];
}

/**
 * A memory's content hash: SHA-256, lowercase hex, of the file's bytes with a leading UTF-8 BOM
 * dropped. For valid UTF-8 this is the hash of the text as UTF-8, BOM dropped, without decoding and
 * re-encoding; for an ordinary file (no BOM) it is simply the hash of the bytes.
 */
export function contentHash(bytes: Uint8Array): string {
  const body = startsWithUtf8Bom(bytes) ? bytes.subarray(UTF8_BOM.length) : bytes;
  return oneShotSha256 !== undefined ? oneShotSha256('sha256', body, 'hex') : createHash('sha256').update(body).digest('hex');
}

/**
 * `crypto.hash` (Node 20.12 and later): a one-shot digest without a Hash object, about a third
 * cheaper for small inputs, which is what 100,000 memory files are. Looked up by name so that a
 * Node without it falls back to createHash.
 */
const oneShotSha256: typeof crypto.hash | undefined = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** The content hash of `text` as it would be stored in a UTF-8 file (a leading U+FEFF is dropped). */
export function contentHashOfText(text: string): string {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** Incremental form of {@link contentHash}, for files too large to hold in memory at once. */
export interface ContentHasher {
  /** Feeds the next chunk of the file, in order. Chunks may be of any size, even empty. */
  update(chunk: Uint8Array): void;
  /** The hash of everything fed so far; call once, at the end. */
  digest(): string;
}

/** Starts an incremental content hash; a BOM split across the first chunks is still dropped. */
export function createContentHasher(): ContentHasher {
  const hash: Hash = createHash('sha256');
  // Until three bytes have arrived we cannot tell a BOM from text that merely starts like one, so
  // the first bytes are held back; after that, chunks pass straight through.
  let head: number[] | undefined = [];
  const flushHead = (bytes: number[]): void => {
    const isBom = bytes.length === 3 && bytes.every((byte, index) => byte === UTF8_BOM[index]);
    if (!isBom && bytes.length > 0) hash.update(Uint8Array.from(bytes));
  };
  return {
    update(chunk) {
      let rest = chunk;
      if (head !== undefined) {
        const take = Math.min(3 - head.length, rest.length);
        for (let index = 0; index < take; index += 1) head.push(rest[index] as number);
        rest = rest.subarray(take);
        if (head.length < 3) return;
        flushHead(head);
        head = undefined;
      }
      if (rest.length > 0) hash.update(rest);
    },
    digest() {
      if (head !== undefined) flushHead(head);
      head = undefined;
      return hash.digest('hex');
    },
  };
}
