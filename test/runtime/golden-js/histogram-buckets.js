"use strict";
const { L, stores, locs, fmt, NEXT, emit, exitNow, cut, act, stackOut, overflow, hist, hbuckets, hbucket } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
const g1 = stores[1];
const g2 = stores[2];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = 0, v1 = 0, v2 = 0;
let t0, t1, t2;
{
if (++steps > limit) act(locs[0]);
g0.add(0);
if (++steps > limit) act(locs[1]);
g0.add(1);
if (++steps > limit) act(locs[2]);
g0.add(3);
if (++steps > limit) act(locs[3]);
g0.add(3);
if (++steps > limit) act(locs[4]);
g0.add((-5));
if (++steps > limit) act(locs[5]);
g0.add(1000);
if (++steps > limit) act(locs[6]);
t0 = hbuckets(g0.read(), 0, locs[6]);
t2 = Math.min(t0.length, Infinity);
for (t1 = 0; t1 < t2; t1++) {
if (++steps > limit) act(locs[6]);
v0 = t1;
if (++steps > limit) act(locs[7]);
if (hbucket(g0.read(), 0, v0, locs[8])) {
if (++steps > limit) act(locs[9]);
emit(fmt[0]([v0, hbucket(g0.read(), 0, v0, locs[10])]), curPP);
}
}
if (++steps > limit) act(locs[11]);
(v1 = 0);
if (++steps > limit) act(locs[12]);
t0 = hbuckets(g0.read(), 0, locs[12]);
t2 = Math.min(t0.length, Number(66));
for (t1 = 0; t1 < t2; t1++) {
if (++steps > limit) act(locs[12]);
v0 = t1;
if (++steps > limit) act(locs[13]);
(v1 = add(v1, 1));
}
if (++steps > limit) act(locs[14]);
emit(fmt[1]([v1, hbucket(g0.read(), 0, (-1), locs[15]), hbucket(g0.read(), 0, 500, locs[16])]), curPP);
if (++steps > limit) act(locs[17]);
t0 = hbuckets(g0.read(), 1, locs[17]);
t2 = Math.min(t0.length, Infinity);
for (t1 = 0; t1 < t2; t1++) {
if (++steps > limit) act(locs[17]);
v0 = t1;
v2 = t0[t1];
if (++steps > limit) act(locs[18]);
emit(fmt[2]([v0, v2]), curPP);
}
if (++steps > limit) act(locs[19]);
g1.add(["x"], 7) || overflow(1, locs[19]);
if (++steps > limit) act(locs[20]);
g1.add(["x"], 9) || overflow(1, locs[20]);
if (++steps > limit) act(locs[21]);
t0 = hbuckets(g1.read(["x"]), 0, locs[21]);
t2 = Math.min(t0.length, Infinity);
for (t1 = 0; t1 < t2; t1++) {
if (++steps > limit) act(locs[21]);
v0 = t1;
v2 = t0[t1];
if (++steps > limit) act(locs[22]);
if (v2) {
if (++steps > limit) act(locs[23]);
emit(fmt[3]([v0, v2]), curPP);
}
}
}
}
function h1() {
let v0 = 0, v1 = "";

{
if (++steps > limit) act(locs[24]);
if (++steps > limit) act(locs[25]);
(v0 = 0);
for (; (v0 < 4 ? 1 : 0); (v0 = add(v0, 1))) {
if (++steps > limit) act(locs[24]);
if (++steps > limit) act(locs[26]);
g2.add(0);
}
if (++steps > limit) act(locs[27]);
(v1 = cut(hist(g2.read(), 2, 0, locs[28])));
if (++steps > limit) act(locs[29]);
emit(fmt[4]([(v1).length, v1]), curPP);
if (++steps > limit) act(locs[30]);
exitNow();
}
}
const handlers = [h0, h1];
const captures = [];
const pps = ["begin","begin(1)"];
const funcs = ["",""];
return {
  run(index, context, maxActions) {
    ctx = context; steps = 0; limit = maxActions; depth = 0; curPP = pps[index]; curFunc = funcs[index];
    try { handlers[index](); }
    catch (e) { if (e !== NEXT) throw stackOut(e, depth, index); }
    finally { ctx = null; }
  },
  capture(index, context, maxActions) {
    ctx = context; steps = 0; limit = maxActions; depth = 0;
    try { return captures[index](); } finally { ctx = null; }
  },
};
