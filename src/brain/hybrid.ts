import type { Brain, BrainInput, BrainStep, StepListener } from './types.js';
import type { OfflineCommand } from './offline/command.js';
import { parseCommand } from './offline/offline-brain.js';

/**
 * A model brain that leaves the slash commands to the offline brain: `/remind 10m tea`
 * behaves the same with or without a model (deterministic, contract-tested), and
 * everything else — free text and unknown commands — goes to the model.
 */
export class CommandsFirstBrain implements Brain {
  readonly id: string;
  private readonly names: Set<string>;

  constructor(
    private readonly commands: Brain,
    commandList: OfflineCommand[],
    private readonly model: Brain,
  ) {
    this.id = model.id;
    this.names = new Set(commandList.flatMap((c) => [c.name, ...(c.aliases ?? [])]));
  }

  step(input: BrainInput, listener?: StepListener): Promise<BrainStep> {
    return this.isCommand(input) ? this.commands.step(input, listener) : this.model.step(input, listener);
  }

  /** Free text and unknown commands go to the model; known commands never do. */
  callsModel(input: BrainInput): boolean {
    return !this.isCommand(input);
  }

  private isCommand(input: BrainInput): boolean {
    const parsed = parseCommand(input.envelope.text);
    return !!parsed && this.names.has(parsed.name);
  }
}
