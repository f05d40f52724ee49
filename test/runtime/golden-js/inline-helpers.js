"use strict";
const { L, S, stores, locs, sorts, fmt, NEXT, MAXC, emit, exitNow, aggregateOf, act, stackOut, overflow, aggSum, iter, sliceHas, sliceDelete, tok, randint, ctime, errnoStr } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
const g1 = stores[1];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = "", v1 = 0, v2 = "";
let t0, t1, t2;
{
if (++steps > limit) act(locs[0]);
(t0 = [1, "x"], t1 = 1, g0.set(t0, t1) || overflow(0, locs[0]), t1);
if (++steps > limit) act(locs[1]);
(t0 = [2, "y"], t1 = 2, g0.set(t0, t1) || overflow(0, locs[1]), t1);
if (++steps > limit) act(locs[2]);
if ((sliceHas(g0, [undefined, "x"]) ? 1 : 0)) {
if (++steps > limit) act(locs[3]);
sliceDelete(g0, [undefined, "y"]);
}
if (++steps > limit) act(locs[4]);
g1.add(["k"], 3) || overflow(1, locs[4]);
if (++steps > limit) act(locs[5]);
g1.add(["k"], 5) || overflow(1, locs[5]);
if (++steps > limit) act(locs[6]);
t0 = iter(g1, sorts[0], Number(2), undefined);
for (t1 = 0; t1 < t0.length; t1++) {
if (++steps > limit) act(locs[6]);
t2 = t0[t1];
v0 = t2[0][0];
v1 = aggregateOf(t2[1], "count");
if (++steps > limit) act(locs[7]);
emit(fmt[0]([v0, v1, aggSum(g1.read([v0]))]), curPP);
}
if (++steps > limit) act(locs[8]);
(v2 = S.tokenize(tok, "a b", " ", MAXC));
if (++steps > limit) act(locs[9]);
emit(fmt[1]([v2, randint(1, locs[10]), ctime(0, locs[11]), errnoStr(2)]), curPP);
if (++steps > limit) act(locs[12]);
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
