// Runs a plan on an engine the way run-command does, capturing the script's output (-o file)
// and the engine's -v lines.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PlanIR } from '../../tracer/ir/ir';
import type { Engine } from '../../tracer/engine/engine';

export interface EngineRun {
  status: number;
  stdout: string;
  log: string[];
}

export async function runEngine(engine: Engine, plan: PlanIR, options: { pid?: number; command?: string; onLog?: (message: string) => void; handlerName?: string; detach?: boolean; script?: { file: string; text: string } } = {}): Promise<EngineRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-engine-'));
  const out = path.join(dir, 'out');
  const log: string[] = [];
  try {
    const status = await engine.run({
      plan,
      session: { json: false, outputFile: out, targetPid: options.pid },
      pid: options.pid,
      command: options.command,
      pin: false,
      guru: false,
      handlerName: options.handlerName,
      detach: options.detach ?? false,
      script: options.script,
      log: (m) => {
        log.push(m);
        options.onLog?.(m);
      },
    });
    return { status, stdout: fs.readFileSync(out, 'latin1'), log };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
