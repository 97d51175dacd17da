// Advice every provider gives in the same words.
import type { Advice } from './provider.js';

/** The provider's connector is not configured in this installation. */
export function notConfigured(displayName: string): Advice {
  return {
    ok: false,
    code: 'NotConfigured',
    problem: `${displayName} cost connections are not available in this installation.`,
    fix: 'Ask the operator of Quartermaster to configure them.',
  };
}
