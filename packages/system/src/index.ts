export { ConfigError, MODES, SUPPORTED_EXTENSIONS, WORKLOADS, validateConfig } from './config.js';
export type { Mode, SystemConfig, WorkloadName } from './config.js';
export { MACHINE_IP, NooksSystem, PEER_IP, objectBytes } from './system.js';
export { runWorkload } from './workloads.js';
export type { WorkloadOptions, WorkloadResult } from './workloads.js';
