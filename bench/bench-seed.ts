// The bench's directory: the demo tenant plus enough colleagues that every submission is a new
// request. Built the same way in the bench process (the chats) and in the sandbox process (the
// directory the bot reads), so the two agree without passing thousands of users between them.
import { DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, DEMO_USERS, demoSeed, type SandboxSeed } from '../src/sandbox/index.js';
import type { TestUser } from '../test/harness/bot-harness.js';

/** The i-th bench colleague (managed by Adele) as the chat sees them. */
export function benchUsers(count: number): TestUser[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `29:bench-${i}`,
    name: `Bench User ${i}`,
    aadObjectId: benchUserId(i),
    tenantId: DEMO_TENANT_ID,
  }));
}

/** The demo seed with `count` bench colleagues in the demo tenant's directory. */
export function benchSeed(count: number): SandboxSeed {
  const seed = demoSeed();
  const tenant = seed.tenants.find((t) => t.id === DEMO_TENANT_ID)!;
  for (let i = 0; i < count; i++) {
    tenant.users.push({
      id: benchUserId(i),
      displayName: `Bench User ${i}`,
      userPrincipalName: `bench${i}@example.com`,
      usageLocation: 'US',
      managerId: DEMO_USERS.adele.id,
      licenses: [],
    });
  }
  // Every submission is approved because a seat is free, and approvals count free seats now: one each.
  const powerBi = tenant.subscriptions.find((s) => s.id === DEMO_SUBSCRIPTIONS.powerBiPro)!;
  powerBi.quantity += count;
  return seed;
}

function benchUserId(i: number): string {
  return `be0c0000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}
