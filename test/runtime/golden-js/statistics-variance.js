"use strict";
const { L, stores, locs, sorts, fmt, NEXT, emit, exitNow, act, stackOut, overflow, aggCount, agg, iter } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
const g1 = stores[1];
const g2 = stores[2];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = "";
let t0, t1, t2;
{
if (++steps > limit) act(locs[0]);
g0.add(100);
if (++steps > limit) act(locs[1]);
g0.add(0);
if (++steps > limit) act(locs[2]);
g0.add((-2));
if (++steps > limit) act(locs[3]);
g1.add(["read"], 100) || overflow(1, locs[3]);
if (++steps > limit) act(locs[4]);
g1.add(["read"], 0) || overflow(1, locs[4]);
if (++steps > limit) act(locs[5]);
g1.add(["read"], (-2)) || overflow(1, locs[5]);
if (++steps > limit) act(locs[6]);
g1.add(["write"], 444) || overflow(1, locs[6]);
if (++steps > limit) act(locs[7]);
g1.add(["write"], 999) || overflow(1, locs[7]);
if (++steps > limit) act(locs[8]);
g1.add(["open"], 7) || overflow(1, locs[8]);
if (++steps > limit) act(locs[9]);
g2.add(444);
if (++steps > limit) act(locs[10]);
g2.add(999);
if (++steps > limit) act(locs[11]);
emit(fmt[0]([aggCount(g0.read()), agg(g0.read(), "avg", locs[12]), agg(g0.read(), "variance", locs[13])]), curPP);
if (++steps > limit) act(locs[14]);
t0 = iter(g1, sorts[0], undefined, undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[14]);
t2 = t0[t1];
v0 = t2[0][0];
if (++steps > limit) act(locs[15]);
emit(fmt[1]([v0, agg(g1.read([v0]), "variance", locs[16])]), curPP);
}
if (++steps > limit) act(locs[17]);
emit(fmt[2]([agg(g2.read(), "variance", locs[18])]), curPP);
if (++steps > limit) act(locs[19]);
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
