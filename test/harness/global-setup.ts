// Starts one in-memory Azurite (tables + queues) on free loopback ports for the test run
// and hands its connection string to the tests; stops it when the run ends.
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/logger.js';
import { ChildProcesses } from '../../src/local/child-processes.js';
import { startAzurite } from '../../src/local/azurite.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    storageConnectionString: string;
  }
}

export default async function setup(project: TestProject) {
  const children = new ChildProcesses(createLogger('silent'));
  const { connectionString } = await startAzurite(children, { tablePort: await freePort(), queuePort: await freePort() });
  project.provide('storageConnectionString', connectionString);
  return async () => {
    await children.stopAll();
  };
}
