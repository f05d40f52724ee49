"use strict";
const { L, stores, locs, fmt, NEXT, MAXNEST, emit, exitNow, cat, act, nesting, stackOut } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function f0(v0) {
if (++depth > MAXNEST) nesting(locs[3]);

let t0, t1;
{
if (++steps > limit) act(locs[0]);
if ((v0 < 2 ? 1 : 0)) {
if (++steps > limit) act(locs[1]);
return v0;
}
if (++steps > limit) act(locs[2]);
return add((t0 = f0(sub(v0, 1)), depth--, t0), (t1 = f0(sub(v0, 2)), depth--, t1));
}
return 0;
}
function f1(v0) {
if (++depth > MAXNEST) nesting(locs[5]);


{
if (++steps > limit) act(locs[4]);
return cat("hello ", v0);
}
return "";
}
function f2(v0) {
if (++depth > MAXNEST) nesting(locs[7]);


{
if (++steps > limit) act(locs[6]);
emit(fmt[0]([v0]), curPP);
}
return 0;
}
function f3(v0) {
if (++depth > MAXNEST) nesting(locs[13]);


{
if (++steps > limit) act(locs[8]);
if ((v0 > 0 ? 1 : 0)) {
if (++steps > limit) act(locs[9]);
return 1;
}
if (++steps > limit) act(locs[10]);
if ((v0 < 0 ? 1 : 0)) {
if (++steps > limit) act(locs[11]);
return (-1);
}
if (++steps > limit) act(locs[12]);
return 0;
}
return 0;
}
function f4() {
if (++depth > MAXNEST) nesting(locs[16]);
let v0 = 0;

{
if (++steps > limit) act(locs[14]);
(v0 = add(v0, 1));
if (++steps > limit) act(locs[15]);
return v0;
}
return 0;
}
function h0() {

let t0, t1, t2, t3;
{
if (++steps > limit) act(locs[17]);
emit(fmt[1]([(t0 = f0(9), depth--, t0), cat("hello ", "utap"), (t1 = f3(5), depth--, t1), (t2 = f3((-5)), depth--, t2), (t3 = f3(0), depth--, t3)]), curPP);
if (++steps > limit) act(locs[18]);
(t0 = f2(3), depth--, t0);
if (++steps > limit) act(locs[19]);
emit(fmt[2]([(t0 = f4(), depth--, t0), (t1 = f4(), depth--, t1)]), curPP);
if (++steps > limit) act(locs[20]);
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
