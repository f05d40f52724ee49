"use strict";
const { L, stores, locs, fmt, sfmt, NEXT, emit, exitNow, cut, cstr, cat, act, stackOut } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = "", v1 = "";

{
if (++steps > limit) act(locs[0]);
(v0 = "abcdefg");
if (++steps > limit) act(locs[1]);
emit(fmt[0]([v0, (v0).length]), curPP);
if (++steps > limit) act(locs[2]);
(v1 = cat("ab", "cdefghi"));
if (++steps > limit) act(locs[3]);
emit(fmt[1]([v1]), curPP);
if (++steps > limit) act(locs[4]);
emit(fmt[2]([cut(cstr(sfmt[3]([1234567890])))]), curPP);
if (++steps > limit) act(locs[5]);
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
