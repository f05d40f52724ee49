"use strict";
const { L, stores, locs, fmt, sfmt, NEXT, emit, exitNow, cut, cstr, act, stackOut } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = "", v1 = "", v2 = "", v3 = "";

{
if (++steps > limit) act(locs[0]);
(v0 = cut(cstr(sfmt[0](["n=", g0.get(), " ", (-3)]))));
if (++steps > limit) act(locs[1]);
emit("[" + v0 + "]" + "\n", curPP);
if (++steps > limit) act(locs[2]);
(v1 = cut(cstr(sfmt[1](["line", 2]))));
if (++steps > limit) act(locs[3]);
emit(fmt[2]([v1, (v1).length]), curPP);
if (++steps > limit) act(locs[4]);
emit(fmt[3](["a", 1, "b", 2]), curPP);
if (++steps > limit) act(locs[5]);
emit("\n", curPP);
if (++steps > limit) act(locs[6]);
emit(fmt[4]([g0.get(), "x", mul(g0.get(), 2)]), curPP);
if (++steps > limit) act(locs[7]);
(v2 = cut(cstr(sfmt[5]([1, 2, 3]))));
if (++steps > limit) act(locs[8]);
emit(fmt[6]([v2, (v2).length]), curPP);
if (++steps > limit) act(locs[9]);
(v3 = cut(cstr(sfmt[7](["p", "q"]))));
if (++steps > limit) act(locs[10]);
emit(v3, curPP);
if (++steps > limit) act(locs[11]);
emit(fmt[8]([72]), curPP);
if (++steps > limit) act(locs[12]);
emit(fmt[9]([105]), curPP);
if (++steps > limit) act(locs[13]);
emit(fmt[10]([10]), curPP);
if (++steps > limit) act(locs[14]);
emit(cut(cstr(sfmt[11]([16]))) + " " + cut(cstr(sfmt[12](["0x10"]))) + "\n", curPP);
if (++steps > limit) act(locs[15]);
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
