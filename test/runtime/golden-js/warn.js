"use strict";
const { L, stores, locs, sfmt, NEXT, emit, exitNow, warnNow, cut, cstr, act, stackOut } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {


{
if (++steps > limit) act(locs[0]);
emit("before" + "\n", curPP);
if (++steps > limit) act(locs[1]);
warnNow(cut(cstr(sfmt[0]([3]))));
if (++steps > limit) act(locs[2]);
emit("after" + "\n", curPP);
if (++steps > limit) act(locs[3]);
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
