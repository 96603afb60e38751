import { createHash } from 'node:crypto';

/**
 * The `new_hash` of a delete entry opsheal appends: an operation hash of the memory id and the
 * hash it last had, since a deleted memory has no content to hash and the column is NOT NULL.
 */
export function deletionHash(memoryId: number, priorHash: string | null): string {
  return createHash('sha256').update(`delete:${memoryId}:${priorHash ?? ''}`).digest('hex');
}
