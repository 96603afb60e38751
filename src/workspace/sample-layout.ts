import type { SeededRandom } from './seeded-random.js';
import { SPEC_ASPECTS, SPEC_TOPICS } from './sample-vocabulary.js';

/** One memory folder the generator fills: its spec folder and how many memories go in it. */
export interface PlannedMemoryFolder {
  /** Relative to the specs root: `003-memory` or `003-memory/065-retry`. */
  readonly specFolder: string;
  readonly memories: number;
}

/** The spec folders of a sample workspace. */
export interface SampleLayout {
  /** Top-level spec folders, in creation order. */
  readonly topLevelSpecs: readonly string[];
  /** Memory folders in creation order; their counts add up to the memories asked for. */
  readonly memoryFolders: readonly PlannedMemoryFolder[];
}

/** Fewest and most memories a memory folder is planned with (the last one may get fewer). */
export const MEMORIES_PER_FOLDER = { min: 5, max: 40 } as const;

/**
 * Plans spec folders for `memories` memories: numbered top-level specs (`003-memory-retry`), about
 * a third of them with nested child specs (`003-memory-retry/065-backoff`), each memory folder
 * planned with 5 to 40 memories.
 */
export function planSampleLayout(random: SeededRandom, memories: number): SampleLayout {
  const topLevelSpecs: string[] = [];
  const memoryFolders: PlannedMemoryFolder[] = [];
  let remaining = memories;
  const take = (): number => {
    const count = Math.min(remaining, MEMORIES_PER_FOLDER.min + random.int(MEMORIES_PER_FOLDER.max - MEMORIES_PER_FOLDER.min + 1));
    remaining -= count;
    return count;
  };
  while (remaining > 0) {
    const top = `${pad(topLevelSpecs.length + 1)}-${slug(random)}`;
    topLevelSpecs.push(top);
    const children = random.next() < 0.35 ? 1 + random.int(4) : 0;
    // A parent with children often keeps no memories of its own, as in real spec trees.
    if (children === 0 || random.next() < 0.5) memoryFolders.push({ specFolder: top, memories: take() });
    const firstChild = 1 + random.int(90);
    for (let child = 0; child < children && remaining > 0; child += 1) {
      memoryFolders.push({ specFolder: `${top}/${pad(firstChild + child)}-${slug(random)}`, memories: take() });
    }
  }
  return { topLevelSpecs, memoryFolders };
}

function slug(random: SeededRandom): string {
  return random.next() < 0.5 ? random.pick(SPEC_TOPICS) : `${random.pick(SPEC_TOPICS)}-${random.pick(SPEC_ASPECTS)}`;
}

function pad(value: number): string {
  return String(value).padStart(3, '0');
}
