// Loading progress: silent unless stderr is a terminal; on a terminal one line, rewritten as the
// percentage changes and erased at the end; small loads go unannounced.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { terminalProgress } from '../../tracer/cli/progress';

function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

test('nothing in a pipe, however big the load', () => {
  const s = stream(false);
  const p = terminalProgress(() => s);
  p.begin('reading X', 100 << 20);
  for (let i = 0; i <= 100 << 20; i += 1 << 18) p.update(i);
  p.end();
  assert.is(s.text, '');
});

test('a big load on a terminal: label, percentages once each, erased at the end', () => {
  const s = stream(true);
  const p = terminalProgress(() => s);
  p.begin('reading X', 100 << 20);
  for (let i = 0; i <= 100 << 20; i += 1 << 18) p.update(i);
  p.end();
  const frames = s.text.split('\r').filter(Boolean);
  assert.is(frames[0], 'utap: reading X...\x1b[K');
  assert.is(frames.filter((f) => f.includes('50%')).length, 1);
  assert.is(frames[frames.length - 1], '\x1b[K');
});

test('a small load on a terminal stays quiet and never asks for the stream', () => {
  const s = stream(true);
  let asked = 0;
  const p = terminalProgress(() => (asked++, s));
  p.begin('reading Y', 1000);
  p.update(500);
  p.end();
  assert.is(s.text, '');
  assert.is(asked, 0);
});

test.run();
