"use strict";
const { L, stores, locs, fmt, NEXT, MAXNEST, emit, exitNow, cat, divz, act, nesting, stackOut, caught, userError, agg } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function f0(v0, v1) {
if (++depth > MAXNEST) nesting(locs[5]);
let v2 = "";
let t0, t1;
{
if (++steps > limit) act(locs[0]);
t0 = depth;
try {
{
if (++steps > limit) act(locs[1]);
return divz(v0, v1, locs[2]);
}
} catch (t1) {
depth = t0;
v2 = caught(t1);
{
if (++steps > limit) act(locs[3]);
emit(fmt[0]([v0, v1, v2]), curPP);
}
}
if (++steps > limit) act(locs[4]);
return (-1);
}
return 0;
}
function h0() {
let v0 = "", v1 = 0, v2 = "", v3 = "";
let t0, t1, t2, t3;
{
if (++steps > limit) act(locs[6]);
emit(fmt[1]([(t0 = f0(7, 2), depth--, t0), (t1 = f0(1, 0), depth--, t1)]), curPP);
if (++steps > limit) act(locs[7]);
t0 = depth;
try {
{
if (++steps > limit) act(locs[8]);
throw userError("custom failure", locs[8]);
if (++steps > limit) act(locs[9]);
emit("not reached" + "\n", curPP);
}
} catch (t1) {
depth = t0;
v0 = caught(t1);
{
if (++steps > limit) act(locs[10]);
emit("caught: " + v0 + "\n", curPP);
}
}
if (++steps > limit) act(locs[11]);
t0 = depth;
try {
{
if (++steps > limit) act(locs[13]);
emit(String(agg(g0.read(), "min", locs[12])) + "\n", curPP);
}
} catch (t1) {
depth = t0;
caught(t1);
{
if (++steps > limit) act(locs[14]);
emit("empty aggregate caught without a variable" + "\n", curPP);
}
}
if (++steps > limit) act(locs[15]);
if (++steps > limit) act(locs[16]);
(v1 = 0);
for (; (v1 < 4 ? 1 : 0); (v1 = add(v1, 1))) {
if (++steps > limit) act(locs[15]);
{
if (++steps > limit) act(locs[17]);
t0 = depth;
try {
{
if (++steps > limit) act(locs[18]);
if ((v1 === 1 ? 1 : 0)) {
continue;
}
if (++steps > limit) act(locs[19]);
if ((v1 === 3 ? 1 : 0)) {
break;
}
if (++steps > limit) act(locs[20]);
emit("loop " + String(v1) + "\n", curPP);
}
} catch (t1) {
depth = t0;
caught(t1);
{
if (++steps > limit) act(locs[21]);
emit("never" + "\n", curPP);
}
}
}
}
if (++steps > limit) act(locs[22]);
t0 = depth;
try {
{
if (++steps > limit) act(locs[23]);
t2 = depth;
try {
{
if (++steps > limit) act(locs[24]);
throw userError("inner", locs[24]);
}
} catch (t3) {
depth = t2;
v2 = caught(t3);
{
if (++steps > limit) act(locs[25]);
throw userError(cat("rethrown: ", v2), locs[25]);
}
}
}
} catch (t1) {
depth = t0;
v3 = caught(t1);
{
if (++steps > limit) act(locs[26]);
emit(v3 + "\n", curPP);
}
}
if (++steps > limit) act(locs[27]);
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
