import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash, contentHashOfText, createContentHasher } from '../../src/workspace/content-hash.js';

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('contentHash', () => {
  it('is the SHA-256 of the bytes, lowercase hex, for an ordinary UTF-8 file', () => {
    const bytes = Buffer.from('# Notes\n\nCafé ☕\n', 'utf8');
    expect(contentHash(bytes)).toBe(sha256(bytes));
    expect(contentHash(bytes)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('drops a UTF-8 byte-order mark first, so a file saved with one hashes like one without', () => {
    const text = Buffer.from('---\ntitle: x\n---\n', 'utf8');
    expect(contentHash(Buffer.concat([BOM, text]))).toBe(sha256(text));
  });

  it('drops only the first byte-order mark', () => {
    expect(contentHash(Buffer.concat([BOM, BOM]))).toBe(sha256(BOM));
  });

  it('agrees with the text form, which drops a leading U+FEFF', () => {
    expect(contentHashOfText('\uFEFFhello')).toBe(sha256('hello'));
    expect(contentHashOfText('héllo')).toBe(contentHash(Buffer.from('héllo', 'utf8')));
  });
});

describe('createContentHasher', () => {
  it('gives the same hash as contentHash however the bytes are chunked, a split BOM included', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        fc.array(fc.nat({ max: 8 }), { maxLength: 12 }),
        (body, withBom, cuts) => {
          const bytes = withBom ? Buffer.concat([BOM, body]) : Buffer.from(body);
          const hasher = createContentHasher();
          let offset = 0;
          for (const cut of cuts) {
            hasher.update(bytes.subarray(offset, offset + cut));
            offset = Math.min(bytes.length, offset + cut);
          }
          hasher.update(bytes.subarray(offset));
          expect(hasher.digest()).toBe(contentHash(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('hashes files shorter than a BOM, and a file that is only a BOM as empty', () => {
    const short = createContentHasher();
    short.update(Buffer.from([0xef, 0xbb]));
    expect(short.digest()).toBe(sha256(Buffer.from([0xef, 0xbb])));
    const onlyBom = createContentHasher();
    onlyBom.update(BOM);
    expect(onlyBom.digest()).toBe(sha256(''));
  });
});
