// Hand-written links (the landing's doors, the story card's step links): each opens its view in
// the default setup; anything else is not a shortcut (the shell then shows the landing).
import { describe, expect, it } from 'vitest';
import { shortcutState } from '../../src/ui/tab-links.ts';

describe('shortcutState', () => {
  it.each([
    ['#bench', 'bench', 0], // the measure door
    ['#learn', 'learn', 0], // the learn door: the first step
    ['#learn/9', 'learn', 8], // the story card's link to step 9 (1-based, as the steps are numbered)
    ['#start', 'start', 0], // the landing is itself a link
    ['#learn/0', 'learn', 0], // step 0 does not exist: the first one
  ])('%s opens tab %s at step index %i', (hash, tab, step) => {
    const s = shortcutState(hash);
    expect(s?.tab).toBe(tab);
    expect(s?.learn.step).toBe(step);
  });
  it.each(['', '#', '#nope', '#bench/3', '#learn/x', '#s=abc', '#LEARN', '#learn/12345'])('%s is not a shortcut', (hash) => {
    expect(shortcutState(hash)).toBeNull();
  });
});
