import type { ToolSpec } from '../types.js';
import type { Tool } from './tool.js';

/** The tools an agent runtime knows, by name. Which of them a given agent may see is decided by L12. */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(tools: Iterable<Tool> = []) {
    for (const t of tools) this.register(t);
  }

  /** A duplicate name is a wiring bug, not a runtime condition: it throws. */
  register(tool: Tool): void {
    if (this.tools.has(tool.spec.name)) throw new RangeError(`tool "${tool.spec.name}" is registered twice`);
    this.tools.set(tool.spec.name, tool);
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  list(): Tool[] {
    return [...this.tools.values()];
  }

  /** Specs of the registered tools whose names are in `allowed`, in registration order. */
  specs(allowed: ReadonlySet<string>): ToolSpec[] {
    return this.list()
      .filter((t) => allowed.has(t.spec.name))
      .map((t) => t.spec);
  }
}
