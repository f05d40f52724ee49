// The addresses of utap's int3s in the target (breakpoints, the return trampoline, the one-shot
// trap after exec), as an open-addressing hash set the native wait (utap_wait_event) looks up
// on every SIGTRAP stop: a thread stopped at one of them has its rip put back on the int3 at
// once, so that if utap dies before resuming it, the kernel (which then lets it go without
// the SIGTRAP) does not leave it in the middle of an instruction. Same hash as the C side.

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

export function trapHash(address: number): bigint {
  return ((BigInt(address) * GOLDEN) & MASK64) >> 20n;
}

export class TrapSet {
  /** capacity a power of two; 0 = empty slot */
  table = new BigUint64Array(64);
  private count = 0;

  add(address: number): void {
    if (address === 0) return;
    if ((this.count + 1) * 2 > this.table.length) this.grow();
    if (this.insert(this.table, BigInt(address))) this.count++;
  }

  has(address: number): boolean {
    const mask = BigInt(this.table.length - 1);
    const key = BigInt(address);
    for (let i = Number(trapHash(address) & mask), n = 0; n < this.table.length; i = (i + 1) & (this.table.length - 1), n++) {
      if (this.table[i] === 0n) return false;
      if (this.table[i] === key) return true;
    }
    return false;
  }

  clear(): void {
    this.table = new BigUint64Array(64);
    this.count = 0;
  }

  private insert(table: BigUint64Array, key: bigint): boolean {
    const mask = table.length - 1;
    for (let i = Number(trapHash(Number(key)) & BigInt(mask)); ; i = (i + 1) & mask) {
      if (table[i] === key) return false;
      if (table[i] === 0n) {
        table[i] = key;
        return true;
      }
    }
  }

  private grow(): void {
    const bigger = new BigUint64Array(this.table.length * 2);
    for (const key of this.table) if (key !== 0n) this.insert(bigger, key);
    this.table = bigger;
  }
}
