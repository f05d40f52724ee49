"use strict";
const { L, stores, locs, NEXT, MAXNEST, emit, abortNow, act, nesting, stackOut, caught } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function f0() {
if (++depth > MAXNEST) nesting(locs[5]);

let t0, t1;
{
if (++steps > limit) act(locs[0]);
emit("in deep" + "\n", curPP);
if (++steps > limit) act(locs[1]);
t0 = depth;
try {
{
if (++steps > limit) act(locs[2]);
abortNow();
throw NEXT;
}
} catch (t1) {
depth = t0;
caught(t1);
{
if (++steps > limit) act(locs[3]);
emit("abort is not an error to catch" + "\n", curPP);
}
}
if (++steps > limit) act(locs[4]);
emit("not reached in deep" + "\n", curPP);
}
return 0;
}
function h0() {

let t0;
{
if (++steps > limit) act(locs[6]);
(t0 = 1, g0.set(t0), t0);
if (++steps > limit) act(locs[7]);
(t0 = f0(), depth--, t0);
if (++steps > limit) act(locs[8]);
emit("not reached in begin" + "\n", curPP);
}
}
function h1() {


{
if (++steps > limit) act(locs[9]);
emit("later begin probes are skipped" + "\n", curPP);
}
}
function h2() {


{
if (++steps > limit) act(locs[10]);
emit("end probes are skipped" + "\n", curPP);
}
}
const handlers = [h0, h1, h2];
const captures = [];
const pps = ["begin","begin","end"];
const funcs = ["","",""];
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
