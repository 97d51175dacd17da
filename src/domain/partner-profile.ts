// A partner's profile as its admins manage it in chat (`partner`): the display name its customers
// and its own cards show. Pure: the check of what an admin typed on the card. Which tenants are
// partners is not here: that is the deployment's configuration (PARTNER_TENANTS), because it
// grants the partner-admin role across tenants.

export const PARTNER_NAME_MAX = 80;
const SAFE_NAME = /^[\p{L}\p{M}\p{N} .,&'()\-/+]+$/u;

export type PartnerProfileInput = { ok: true; name: string } | { ok: false; errors: { name: string }; values: { name: string } };

/**
 * Checks the name the card sent: required, at most PARTNER_NAME_MAX characters, one line of
 * printable text (it heads customers' cards and alerts). On refusal what was sent comes back, cut
 * to a sane length, for the card to show again with the error beside the field.
 */
export function validatePartnerProfile(raw: unknown): PartnerProfileInput {
  const data = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const typed = typeof data.name === 'string' ? data.name : '';
  const name = typed.trim().replace(/\s+/g, ' ');
  const refuse = (error: string): PartnerProfileInput => ({ ok: false, errors: { name: error }, values: { name: typed.slice(0, 200) } });
  if (!name) return refuse('Type the name your customers should see.');
  if (name.length > PARTNER_NAME_MAX) return refuse(`Keep the name to ${PARTNER_NAME_MAX} characters (this one has ${name.length}).`);
  // The name reaches customers inside the bot's messages too: only characters that no chat
  // renders as markdown or HTML (no * _ [ ] ` < > # | ~ \).
  if (!SAFE_NAME.test(name)) return refuse("Use letters, digits, spaces and . , & ' ( ) - / + only.");
  return { ok: true, name };
}
