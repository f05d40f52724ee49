// `utap handlers [list | show NAME | rm NAME]` — registered kernel handlers of the uprobe engine.
import { UtapError } from './errors';

export async function handlersCommand(_action: string, _name: string | undefined, _options: { json: boolean }): Promise<number> {
  throw new UtapError('registered handlers are not built yet.');
}
