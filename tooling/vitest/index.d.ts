import type { UserConfig } from 'vitest/config';
export declare function nooksVitest(overrides?: UserConfig): UserConfig;
