"use strict";
const { L, stores, locs, sorts, fmt, NEXT, emit, exitNow, act, stackOut, overflow, iter } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
const g1 = stores[1];
const g2 = stores[2];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = "", v1 = 0, v2 = 0, v3 = 0, v4 = 0, v5 = "";
let t0, t1, t2;
{
if (++steps > limit) act(locs[0]);
(t0 = ["apple", 3], t1 = 30, g0.set(t0, t1) || overflow(0, locs[0]), t1);
if (++steps > limit) act(locs[1]);
(t0 = ["cherry", 1], t1 = 10, g0.set(t0, t1) || overflow(0, locs[1]), t1);
if (++steps > limit) act(locs[2]);
(t0 = ["banana", 2], t1 = 40, g0.set(t0, t1) || overflow(0, locs[2]), t1);
if (++steps > limit) act(locs[3]);
(t0 = ["apple", 1], t1 = 20, g0.set(t0, t1) || overflow(0, locs[3]), t1);
if (++steps > limit) act(locs[4]);
t0 = iter(g0, undefined, undefined, undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[4]);
t2 = t0[t1];
v0 = t2[0][0];
v1 = t2[0][1];
if (++steps > limit) act(locs[5]);
emit(fmt[0]([v0, v1, (g0.get([v0, v1]) ?? 0)]), curPP);
}
if (++steps > limit) act(locs[6]);
emit(fmt[1]([]), curPP);
if (++steps > limit) act(locs[7]);
t0 = iter(g0, sorts[0], undefined, undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[7]);
t2 = t0[t1];
v0 = t2[0][0];
v1 = t2[0][1];
if (++steps > limit) act(locs[8]);
emit(fmt[2]([v0, v1]), curPP);
}
if (++steps > limit) act(locs[9]);
emit(fmt[3]([]), curPP);
if (++steps > limit) act(locs[10]);
t0 = iter(g0, sorts[1], undefined, undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[10]);
t2 = t0[t1];
v0 = t2[0][0];
v1 = t2[0][1];
if (++steps > limit) act(locs[11]);
emit(fmt[4]([v0, v1]), curPP);
}
if (++steps > limit) act(locs[12]);
emit(fmt[5]([]), curPP);
if (++steps > limit) act(locs[13]);
t0 = iter(g0, sorts[2], undefined, undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[13]);
t2 = t0[t1];
v0 = t2[0][0];
v1 = t2[0][1];
if (++steps > limit) act(locs[14]);
emit(fmt[6]([(g0.get([v0, v1]) ?? 0)]), curPP);
}
if (++steps > limit) act(locs[15]);
emit(fmt[7]([]), curPP);
if (++steps > limit) act(locs[16]);
t0 = iter(g0, sorts[3], Number(2), undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[16]);
t2 = t0[t1];
v0 = t2[0][0];
v1 = t2[0][1];
if (++steps > limit) act(locs[17]);
emit(fmt[8]([v0, v1, (g0.get([v0, v1]) ?? 0)]), curPP);
}
if (++steps > limit) act(locs[18]);
emit(fmt[9]([]), curPP);
if (++steps > limit) act(locs[19]);
t0 = iter(g0, sorts[4], Number(1), undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[19]);
t2 = t0[t1];
v0 = t2[0][0];
v1 = t2[0][1];
v2 = t2[1];
if (++steps > limit) act(locs[20]);
emit(fmt[10]([v0, v1, v2]), curPP);
}
if (++steps > limit) act(locs[21]);
(v3 = 0);
if (++steps > limit) act(locs[22]);
t0 = iter(g0, undefined, Number(v3), undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[22]);
t2 = t0[t1];
v0 = t2[0][0];
v1 = t2[0][1];
if (++steps > limit) act(locs[23]);
emit(fmt[11]([]), curPP);
}
if (++steps > limit) act(locs[24]);
t0 = iter(g0, undefined, Number(add(v3, 3)), undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[24]);
t2 = t0[t1];
v0 = t2[0][0];
v1 = t2[0][1];
if (++steps > limit) act(locs[25]);
emit(fmt[12]([v0]), curPP);
}
if (++steps > limit) act(locs[26]);
emit(fmt[13]([]), curPP);
if (++steps > limit) act(locs[27]);
(t0 = [10], t1 = 1, g1.set(t0, t1) || overflow(1, locs[27]), t1);
if (++steps > limit) act(locs[28]);
(t0 = [9], t1 = 2, g1.set(t0, t1) || overflow(1, locs[28]), t1);
if (++steps > limit) act(locs[29]);
(t0 = [100], t1 = 3, g1.set(t0, t1) || overflow(1, locs[29]), t1);
if (++steps > limit) act(locs[30]);
(t0 = [(-5)], t1 = 4, g1.set(t0, t1) || overflow(1, locs[30]), t1);
if (++steps > limit) act(locs[31]);
t0 = iter(g1, sorts[5], undefined, undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[31]);
t2 = t0[t1];
v4 = t2[0][0];
if (++steps > limit) act(locs[32]);
emit(fmt[14]([v4]), curPP);
}
if (++steps > limit) act(locs[33]);
emit(fmt[15]([]), curPP);
if (++steps > limit) act(locs[34]);
(t0 = ["b"], t1 = 1, g2.set(t0, t1) || overflow(2, locs[34]), t1);
if (++steps > limit) act(locs[35]);
(t0 = ["B"], t1 = 2, g2.set(t0, t1) || overflow(2, locs[35]), t1);
if (++steps > limit) act(locs[36]);
(t0 = ["a"], t1 = 3, g2.set(t0, t1) || overflow(2, locs[36]), t1);
if (++steps > limit) act(locs[37]);
(t0 = ["ab"], t1 = 4, g2.set(t0, t1) || overflow(2, locs[37]), t1);
if (++steps > limit) act(locs[38]);
t0 = iter(g2, sorts[6], undefined, undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[38]);
t2 = t0[t1];
v5 = t2[0][0];
if (++steps > limit) act(locs[39]);
emit(fmt[16]([v5]), curPP);
}
if (++steps > limit) act(locs[40]);
emit(fmt[17]([]), curPP);
if (++steps > limit) act(locs[41]);
exitNow();
}
}
const handlers = [h0];
const captures = [];
const pps = ["begin"];
const funcs = [""];
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
