"use strict";
const { L, stores, locs, fmt, NEXT, emit, exitNow, divz, modz, act, stackOut } = B;
const { add, sub, mul, shl, shr, ushr, and, or, xor, neg, not } = L;
let ctx = null, steps = 0, limit = 0, depth = 0, curPP = "", curFunc = "";
function h0() {
let v0 = 0, v1 = 0, v2 = 0, v3 = 0, v4 = 0, v5 = 0, v6 = 0, v7 = 0;

{
if (++steps > limit) act(locs[0]);
(v0 = 7);
if (++steps > limit) act(locs[1]);
(v1 = (-3));
if (++steps > limit) act(locs[2]);
emit(fmt[0]([add(v0, v1), sub(v0, v1), mul(v0, v1), divz(v0, v1, locs[3]), modz(v0, v1, locs[4])]), curPP);
if (++steps > limit) act(locs[5]);
emit(fmt[1]([divz((-7), 2, locs[6]), modz((-7), 2, locs[7]), modz(7, (-2), locs[8])]), curPP);
if (++steps > limit) act(locs[9]);
emit(fmt[2]([16, 8, shl(1, 4), shr((-16), 2), ushr((-1), 60)]), curPP);
if (++steps > limit) act(locs[10]);
emit(fmt[3]([and(6, 3), or(6, 3), xor(6, 3)]), curPP);
if (++steps > limit) act(locs[11]);
emit(fmt[4]([not(0), (0 ? 0 : 1), (5 ? 0 : 1), 4]), curPP);
if (++steps > limit) act(locs[12]);
emit(fmt[5]([add(9223372036854775807n, 1), sub(sub((-9223372036854775807n), 1), 1)]), curPP);
if (++steps > limit) act(locs[13]);
emit(fmt[6]([sub(add(1, mul(2, 3)), divz(4, 2, locs[14]))]), curPP);
if (++steps > limit) act(locs[15]);
emit(fmt[7]([(3 < 4 ? 1 : 0), (3 >= 4 ? 1 : 0), ((1 < 2 ? 1 : 0) === (2 < 3 ? 1 : 0) ? 1 : 0)]), curPP);
if (++steps > limit) act(locs[16]);
emit(fmt[8]([(1 && 0 ? 1 : 0), (0 || 2 ? 1 : 0), (3 !== 3 ? 1 : 0)]), curPP);
if (++steps > limit) act(locs[17]);
(v2 = 10);
if (++steps > limit) act(locs[18]);
(v2 = add(v2, 5));
if (++steps > limit) act(locs[19]);
(v2 = add(v2, (-3)));
if (++steps > limit) act(locs[20]);
(v2 = mul(v2, 2));
if (++steps > limit) act(locs[21]);
(v2 = divz(v2, 4, locs[21]));
if (++steps > limit) act(locs[22]);
(v2 = modz(v2, 4, locs[22]));
if (++steps > limit) act(locs[23]);
emit(fmt[9]([v2]), curPP);
if (++steps > limit) act(locs[24]);
(v2 = 1);
if (++steps > limit) act(locs[25]);
(v2 = shl(v2, 10));
if (++steps > limit) act(locs[26]);
(v2 = shr(v2, 2));
if (++steps > limit) act(locs[27]);
(v2 = or(v2, 3));
if (++steps > limit) act(locs[28]);
(v2 = and(v2, 255));
if (++steps > limit) act(locs[29]);
(v2 = xor(v2, 1));
if (++steps > limit) act(locs[30]);
emit(fmt[10]([v2]), curPP);
if (++steps > limit) act(locs[31]);
(v3 = 5);
if (++steps > limit) act(locs[32]);
(v4 = sub((v3 = add(v3, 1)), 1));
if (++steps > limit) act(locs[33]);
(v5 = (v3 = add(v3, 1)));
if (++steps > limit) act(locs[34]);
(v6 = sub((v3 = add(v3, (-1))), (-1)));
if (++steps > limit) act(locs[35]);
(v7 = (v3 = add(v3, (-1))));
if (++steps > limit) act(locs[36]);
emit(fmt[11]([v3, v4, v5, v6, v7]), curPP);
if (++steps > limit) act(locs[37]);
emit(fmt[12]([((v0 > 5 ? 1 : 0) ? 100 : 200), ((v0 < 5 ? 1 : 0) ? 100 : 200)]), curPP);
if (++steps > limit) act(locs[38]);
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
