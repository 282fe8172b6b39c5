/** A schedule's hyperparameters as plain JSON values (nested schedules serialised). */
export type ScheduleConfig = Record<string, unknown>;

export interface SerializedSchedule {
  className: string;
  config: ScheduleConfig;
}

/**
 * A learning rate as a function of the optimizer step: `valueAt(step)` is the rate the optimizer
 * uses for its update number `step + 1` (step 0 is the first update, as `optimizer.iterations`
 * counts). Schedules are pure and serialisable: `getConfig()` rebuilds an equal schedule through
 * `schedules.deserialize`. Subclass it (and `schedules.register` the class) for a custom schedule.
 */
export abstract class LearningRateSchedule {
  abstract readonly className: string;

  abstract valueAt(step: number): number;

  abstract getConfig(): ScheduleConfig;

  serialize(): SerializedSchedule {
    return { className: this.className, config: this.getConfig() };
  }
}
