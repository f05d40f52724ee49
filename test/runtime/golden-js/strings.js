"use strict";
const { L, S, stores, locs, fmt, sfmt, NEXT, MAXC, emit, exitNow, cut, cstr, cat, act, stackOut } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
const g0 = stores[0];
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = "", v1 = "";
let t0;
{
if (++steps > limit) act(locs[0]);
(v0 = cat("foo", "bar"));
if (++steps > limit) act(locs[1]);
(v0 = cat(v0, "!"));
if (++steps > limit) act(locs[2]);
emit(fmt[0]([v0, (v0).length]), curPP);
if (++steps > limit) act(locs[3]);
emit(fmt[1]([("abc" < "abd" ? 1 : 0), ("b" > "abc" ? 1 : 0), ("x" === "x" ? 1 : 0), ("x" !== "x" ? 1 : 0)]), curPP);
if (++steps > limit) act(locs[4]);
emit(fmt[2]([S.substr("hello world", 6, 5, MAXC)]), curPP);
if (++steps > limit) act(locs[5]);
emit(fmt[3]([S.substr("hello", 10, 2, MAXC), S.substr("hello", 1, 100, MAXC)]), curPP);
if (++steps > limit) act(locs[6]);
emit(fmt[4]([S.isinstr("hello", "ll"), S.isinstr("hello", "xyz")]), curPP);
if (++steps > limit) act(locs[7]);
emit(fmt[5]([S.strtol("123", 10), S.strtol("ff", 16), S.strtol("-0x10", 16), S.strtol("0777", 0), S.strtol("12abc", 10)]), curPP);
if (++steps > limit) act(locs[8]);
emit(fmt[6]([g0.get()]), curPP);
if (++steps > limit) act(locs[9]);
(t0 = cut(cstr(sfmt[7]([42, "x"]))), g0.set(t0), t0);
if (++steps > limit) act(locs[10]);
emit(fmt[8]([g0.get(), (g0.get()).length]), curPP);
if (++steps > limit) act(locs[11]);
(v1 = "");
if (++steps > limit) act(locs[12]);
emit(fmt[9]([v1, (v1).length]), curPP);
if (++steps > limit) act(locs[13]);
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
