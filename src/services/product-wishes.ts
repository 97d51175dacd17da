// "Ask an admin" for a product the catalog does not have: the admins are told who wants what,
// once per person, product and day however often the button is clicked, and the audit log
// keeps it. The product words are the person's: they are cut and stripped of markup before
// anyone else reads them under the bot's name.
import type { AuditLog } from '../storage/audit-log.js';
import type { Actor } from '../domain/roles.js';
import { done, refused, type Outcome } from './outcome.js';

export interface ProductWishDeps {
  audit: AuditLog;
  tellAdmins(tenantId: string, text: string, key?: string): Promise<void>;
  now: () => Date;
}

export class ProductWishes {
  constructor(private readonly deps: ProductWishDeps) {}

  /** Returns the product words as passed on (empty: nothing usable, nothing sent). */
  async askAdmins(actor: Actor, productWords: string): Promise<Outcome<{ product: string }>> {
    const product = plainWords(productWords);
    if (!product) return refused('invalid', 'Tell me the name of the product, e.g. "I need Slack".');
    const day = this.deps.now().toISOString().slice(0, 10);
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'product.asked',
      target: product,
      after: { product },
    });
    await this.deps.tellAdmins(
      actor.tenantId,
      `${plainWords(actor.name) || 'Someone'} asked for "${product}", which is not in your catalog. If you add it, they can request it with "request ${product}".`,
      `product-wish|${actor.aadObjectId.toLowerCase()}|${product.toLowerCase()}|${day}`,
    );
    return done({ product });
  }
}

/** Letters, digits, spaces and a little punctuation, at most 60 characters: no markdown, no links. */
export function plainWords(text: string): string {
  return text
    .replace(/[^\p{L}\p{N} .+&'-]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 60)
    .trim();
}
