"use strict";
const { L, stores, locs, fmt, NEXT, emit, exitNow, act, stackOut } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = 0, v1 = 0;

{
if (++steps > limit) act(locs[0]);
if (++steps > limit) act(locs[1]);
(v0 = 0);
for (; (v0 < 10 ? 1 : 0); (v0 = add(v0, 1))) {
if (++steps > limit) act(locs[0]);
{
if (++steps > limit) act(locs[2]);
if ((v0 === 2 ? 1 : 0)) {
continue;
}
if (++steps > limit) act(locs[3]);
if ((v0 === 6 ? 1 : 0)) {
break;
}
if (++steps > limit) act(locs[4]);
emit(fmt[0]([v0]), curPP);
}
}
if (++steps > limit) act(locs[5]);
emit(fmt[1]([]), curPP);
if (++steps > limit) act(locs[6]);
(v1 = 0);
if (++steps > limit) act(locs[7]);
while ((v1 < 5 ? 1 : 0)) {
if (++steps > limit) act(locs[7]);
if (++steps > limit) act(locs[8]);
(v1 = add(v1, 2));
}
if (++steps > limit) act(locs[9]);
emit(fmt[2]([v1]), curPP);
if (++steps > limit) act(locs[10]);
if ((v1 > 100 ? 1 : 0)) {
if (++steps > limit) act(locs[11]);
emit("big" + "\n", curPP);
} else {
if (++steps > limit) act(locs[12]);
if ((v1 > 5 ? 1 : 0)) {
if (++steps > limit) act(locs[13]);
emit("medium" + "\n", curPP);
} else {
if (++steps > limit) act(locs[14]);
emit("small" + "\n", curPP);
}
}
}
}
function h1() {


{
if (++steps > limit) act(locs[15]);
emit("a probe can leave early with next" + "\n", curPP);
return;
if (++steps > limit) act(locs[16]);
emit("never printed" + "\n", curPP);
}
}
function h2() {


{
if (++steps > limit) act(locs[17]);
exitNow();
}
}
const handlers = [h0, h1, h2];
const captures = [];
const pps = ["begin","begin","begin"];
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
