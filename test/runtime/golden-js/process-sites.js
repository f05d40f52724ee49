"use strict";
const { L, stores, locs, fmt, svc, NEXT, MAXC, MAXNEST, emit, exitNow, cut, act, nesting, stackOut, overflow, reg, wreg, cl, cs, ru, rs, wu, ent } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function f0(v0) {
if (++depth > MAXNEST) nesting(locs[2]);


{
if (++steps > limit) act(locs[0]);
if (v0) {
throw NEXT;
}
if (++steps > limit) act(locs[1]);
return mul(v0, 2);
}
return 0;
}
function h0() {
let v0 = 0, v1 = "";
let t0, t1;
{
if (++steps > limit) act(locs[3]);
(v0 = add(reg(ctx, "rdi", locs[4]), ru(ctx, add(reg(ctx, "rsp", locs[5]), 8), 4, true, locs[6])));
if (++steps > limit) act(locs[7]);
(v1 = rs(ctx, reg(ctx, "rsi", locs[8]), MAXC, locs[9]));
if (++steps > limit) act(locs[10]);
(t0 = [rs(ctx, reg(ctx, "rsi", locs[11]), 16, locs[12])], t1 = add((g0.get(t0) ?? 0), 1), g0.set(t0, t1) || overflow(0, locs[13]), t1);
if (++steps > limit) act(locs[14]);
emit(fmt[0]([ctx.tid, curPP, cs(ctx, "execname", locs[15]), cl(ctx, "uid", locs[16])]), curPP);
if (++steps > limit) act(locs[17]);
emit(fmt[0]([ctx.pid, curFunc, cut(svc.usymname(reg(ctx, "rip", locs[18]))), (t0 = f0(v0), depth--, t0)]), curPP);
if (++steps > limit) act(locs[19]);
emit(svc.sprintUbacktrace(cs(ctx, "ubacktrace", locs[19])), curPP);
}
}
function h1() {
let v0 = 0;
let t0, t1;
{
if (++steps > limit) act(locs[20]);
(v0 = sub(reg(ctx, "rax", locs[21]), ent(ctx.entryValue(0), false)));
if (++steps > limit) act(locs[22]);
(t0 = 0, wreg(ctx, "rax", t0, locs[23]), t0);
if (++steps > limit) act(locs[24]);
(t0 = ent(ctx.entryValue(1), false), t1 = add(ru(ctx, t0, 4, true, locs[25]), (-1)), wu(ctx, t0, t1, 4, locs[25]), t1);
if (++steps > limit) act(locs[26]);
emit(fmt[0]([v0, ent(ctx.entryValue(2), true), ent(ctx.captured(0), true), ent(ctx.captured(1), false)]), curPP);
if (++steps > limit) act(locs[27]);
exitNow();
}
}
function c0() {

return [reg(ctx, "rdi", locs[28]), reg(ctx, "rsi", locs[29]), rs(ctx, reg(ctx, "rdx", locs[30]), MAXC, locs[31])];
}
const handlers = [h0, h1];
const captures = [c0];
const pps = ["process(\"/usr/bin/target\").function(\"work\")","process(\"/usr/bin/target\").function(\"work\").return"];
const funcs = ["work","work"];
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
