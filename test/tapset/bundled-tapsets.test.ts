// The bundled tapsets through the real command line: argv/argc from the script's arguments,
// the queue statistics' bookkeeping, the ANSI escapes, and that tapset globals are never
// printed at exit as a script's own unread globals are.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

const script = 'probe begin { printf("argc=%d", argc); for (i = 1; i <= argc + 1; i++) printf(" [%s]", argv[i]); println(""); exit() }';

test('argc and argv hold the script arguments, "" past the last', async () => {
  let r = await runUtap(['-e', script]);
  assert.is(r.stdout, 'argc=0 []\n');
  r = await runUtap(['-e', script, 'hello', 'big world']);
  assert.is(r.stdout, 'argc=2 [hello] [big world] []\n');
  assert.is(r.status, 0);
});

test('queue statistics: every request served, none waiting; the tapset globals are not printed at exit', async () => {
  const r = await runUtap(['-e', `probe begin {
    qsq_start("disk")
    for (i = 0; i < 5; i++) { qs_wait("disk"); qs_run("disk"); qs_done("disk") }
    printf("util %d%% <= 100: %d, throughput > 0: %d, wait queue %d\\n", qsq_utilization("disk", 100),
           qsq_utilization("disk", 100) <= 100, qsq_throughput("disk", 1000000000) > 0, qsq_wait_queue_length("disk", 1))
    exit()
  }`]);
  assert.is(r.stderr, '');
  assert.match(r.stdout, /^util \d+% <= 100: 1, throughput > 0: 1, wait queue 0\n$/);
});

test('ANSI escapes', async () => {
  const r = await runUtap(['-e', 'probe begin { ansi_set_color3(31, 40, 1); print("x"); ansi_reset_color(); ansi_cursor_move(3, 7); ansi_set_color(32); exit() }']);
  assert.is(r.stdout, '\x1b[40;31;1mx\x1b[0;0m\x1b[7;3H\x1b[32m');
});

test('ANSI colours by arity (SystemTap overloads ansi_set_color); address family numbers; a private global printed at exit', async () => {
  const r = await runUtap(['-e', 'private seen\nprobe begin { ansi_set_color(31, 40); ansi_set_color(31, 40, 1); seen[AF_INET()] = "v4"; seen[AF_INET6()] = "v6"; exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '\x1b[40;31m\x1b[40;31;1mseen[10]="v6"\nseen[2]="v4"\n');
});

test('macro tapsets: @try_assign falls back on an error; @prints/@printsN print a statistic and its elements by count', async () => {
  const r = await runUtap(['-e', `global lat, one
function risky(n) { if (n < 0) error("negative") return n * 10 }
probe begin {
  @try_assign(a, risky(4), -1) @try_assign(b, risky(-4), -1) println(a, " ", b)
  one <<< 7; lat["x", 1] <<< 5; lat["y", 2] <<< 1; lat["y", 2] <<< 3
  @prints(one) @prints2(lat)
  println(@choose_defined($nosuch, "fallback"))
  exit()
}`]);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '40 -1\n@count=1 @min=7 @max=7 @sum=7 @avg=7\n[y,2] @count=2 @min=1 @max=3 @sum=4 @avg=2\n[x,1] @count=1 @min=5 @max=5 @sum=5 @avg=5\nfallback\n');
});

test.run();
