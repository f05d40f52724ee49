"use strict";
const { L, stores, locs, fmt, NEXT, emit, exitNow, act, stackOut, overflow, iter } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
const g1 = stores[1];
const g2 = stores[2];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = 0, v1 = 0, v2 = "";
let t0, t1, t2;
{
if (++steps > limit) act(locs[0]);
(t0 = ["a"], t1 = 1, g0.set(t0, t1) || overflow(0, locs[0]), t1);
if (++steps > limit) act(locs[1]);
(t0 = ["b"], t1 = add((g0.get(t0) ?? 0), 2), g0.set(t0, t1) || overflow(0, locs[1]), t1);
if (++steps > limit) act(locs[2]);
(t0 = ["a"], t1 = add((g0.get(t0) ?? 0), 1), g0.set(t0, t1) || overflow(0, locs[2]), t1);
if (++steps > limit) act(locs[3]);
emit(fmt[0]([(g0.get(["a"]) ?? 0), (g0.get(["b"]) ?? 0), (g0.get(["zzz"]) ?? 0)]), curPP);
if (++steps > limit) act(locs[4]);
emit(fmt[1]([(g0.has(["a"]) ? 1 : 0), (g0.has(["zzz"]) ? 1 : 0)]), curPP);
if (++steps > limit) act(locs[5]);
(t0 = [1, "x"], t1 = 10, g1.set(t0, t1) || overflow(1, locs[5]), t1);
if (++steps > limit) act(locs[6]);
(t0 = [2, "y"], t1 = 20, g1.set(t0, t1) || overflow(1, locs[6]), t1);
if (++steps > limit) act(locs[7]);
(t0 = [1, "y"], t1 = 30, g1.set(t0, t1) || overflow(1, locs[7]), t1);
if (++steps > limit) act(locs[8]);
emit(fmt[2]([(g1.get([1, "x"]) ?? 0), (g1.get([1, "y"]) ?? 0), (g1.has([2, "y"]) ? 1 : 0)]), curPP);
if (++steps > limit) act(locs[9]);
g1.delete([1, "x"]);
if (++steps > limit) act(locs[10]);
emit(fmt[3]([(g1.has([1, "x"]) ? 1 : 0), (g1.get([1, "x"]) ?? 0)]), curPP);
if (++steps > limit) act(locs[11]);
(t0 = [7], t1 = "seven", g2.set(t0, t1) || overflow(2, locs[11]), t1);
if (++steps > limit) act(locs[12]);
emit(fmt[4]([(g2.get([7]) ?? ""), (g2.get([8]) ?? "")]), curPP);
if (++steps > limit) act(locs[13]);
g0.clear();
if (++steps > limit) act(locs[14]);
emit(fmt[5]([(g0.has(["a"]) ? 1 : 0), (g0.has(["b"]) ? 1 : 0)]), curPP);
if (++steps > limit) act(locs[15]);
(v0 = 0);
if (++steps > limit) act(locs[16]);
t0 = iter(g1, undefined, undefined, undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[16]);
t2 = t0[t1];
v1 = t2[0][0];
v2 = t2[0][1];
if (++steps > limit) act(locs[17]);
(v0 = add(v0, 1));
}
if (++steps > limit) act(locs[18]);
emit(fmt[6]([v0]), curPP);
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
