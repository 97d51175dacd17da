// What "status" and /readyz report: is storage answering, and how this instance runs.
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';

export interface StoragePing {
  ping(timeoutMs?: number): Promise<void>;
}

export interface HealthReport {
  storageReachable: boolean;
  storageLatencyMs?: number;
  version: string;
  environment: string;
  authentication: 'on' | 'off';
  instance: string;
  uptimeSeconds: number;
}

const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;

export class HealthService {
  private readonly startedAt = Date.now();

  constructor(
    private readonly storage: StoragePing,
    private readonly facts: { environment: string; authentication: boolean },
  ) {}

  async storageReady(): Promise<boolean> {
    try {
      await this.storage.ping();
      return true;
    } catch {
      return false;
    }
  }

  async report(): Promise<HealthReport> {
    const started = performance.now();
    const storageReachable = await this.storageReady();
    return {
      storageReachable,
      ...(storageReachable ? { storageLatencyMs: Math.round(performance.now() - started) } : {}),
      version,
      environment: this.facts.environment,
      authentication: this.facts.authentication ? 'on' : 'off',
      instance: `${hostname()} (pid ${process.pid})`,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }
}
