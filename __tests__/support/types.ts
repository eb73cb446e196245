export type { PasswordInfo, Target } from '../../src/core/model';
export type { TargetState } from '../../src/core/plan';
