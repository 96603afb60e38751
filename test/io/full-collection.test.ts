import { describe, expect, it } from 'vitest';
import { fullCollection } from '../../src/io/full-collection.js';

describe('fullCollection', () => {
  it('collects what nothing refers to any more, without exposing gc to the program', async () => {
    let target: object | undefined = { payload: new Array(1000).fill('x') };
    const ref = new WeakRef(target);
    target = undefined;
    // A WeakRef's target is kept until the job that made or read it ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const collect = fullCollection();
    collect();
    expect(ref.deref()).toBeUndefined();
    expect(fullCollection()).toBe(collect);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
