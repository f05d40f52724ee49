// The -c command's program is read with the shell's quoting, so a program under a folder with
// spaces (quoted, or with backslashes) is found, and words the shell would expand are not guessed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commandWord, leadingWords } from '../../tracer/plan/command-words';

test('plain words, split at blanks, end at an operator or redirection', () => {
  assert.equal(leadingWords('  ls  -l /tmp '), ['ls', '-l', '/tmp']);
  assert.equal(leadingWords('counter 10 > out.txt'), ['counter', '10']);
  assert.equal(leadingWords('a b; c d'), ['a', 'b']);
  assert.equal(leadingWords('a|b'), ['a']);
});

test('single and double quotes and backslashes are removed as sh removes them', () => {
  assert.equal(leadingWords(`'/tmp/x.y z/build/counter' 10`), ['/tmp/x.y z/build/counter', '10']);
  assert.equal(leadingWords(`"/tmp/it's here"/prog`), [`/tmp/it's here/prog`]);
  assert.equal(leadingWords(`/tmp/a\\ b/prog 'x'"y"z`), ['/tmp/a b/prog', 'xyz']);
  assert.equal(leadingWords(`"a\\"b\\\\c\\d"`), ['a"b\\c\\d']);
  assert.equal(leadingWords(`''/tmp/q'u o'te/p`), ['/tmp/qu ote/p']);
});

test('a word the shell would expand ends the words; an unterminated quote gives none', () => {
  assert.equal(leadingWords('$HOME/prog 1'), []);
  assert.equal(leadingWords('prog $X'), ['prog']);
  assert.equal(leadingWords('"$HOME"/prog'), []);
  assert.equal(leadingWords('~/prog'), []);
  assert.equal(leadingWords('a~b'), ['a~b']);
  assert.equal(leadingWords('./prog*'), []);
  assert.equal(leadingWords(`'/tmp/open 1`), []);
});

test('the program word skips exec and NAME=value words', () => {
  assert.is(commandWord(`exec LC_ALL=C '/opt/my tools/psql' -f x.sql`), '/opt/my tools/psql');
  assert.is(commandWord('A=1 B=2'), undefined);
  assert.is(commandWord(''), undefined);
});

test.run();
