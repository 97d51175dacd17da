// Teams surface of reclaim: the `reclaim` and `set reclaim days N` commands, and the card's
// buttons (remove a license → confirm → done; back; refresh). ReclaimService decides who may
// act and what is true now; a stale or repeated click shows the list as it is.
import { z } from 'zod';
import {
  ONLY_ADMINS_RECLAIM,
  ONLY_ADMINS_REMOVE,
  ONLY_ADMINS_SETTINGS,
  type RemovalOutcome,
  type ReclaimService,
} from '../services/reclaim.js';
import type { Actor } from '../domain/roles.js';
import { reclaimCardData } from './admin-alert-views.js';
import type { CardRenderer } from './cards.js';
import { ADMINS, answer, card, refuse, text, type ActionTurn, type CommandTurn, type Surface, type Turn } from './surface.js';

export interface ReclaimFeatureDeps {
  cards: CardRenderer;
  reclaim: ReclaimService;
}

// Graph object ids and skuIds are GUIDs; the sandbox's Playground ids are GUID-like.
const GraphId = z.string().regex(/^[0-9A-Za-z-]{1,64}$/);
const LicenseRef = z.object({ userId: GraphId, skuId: GraphId }).passthrough();
// A vendor seat (marketplace): the subscription (SUB-...) and the e-mail holding the seat.
const VendorSeatRef = z
  .object({
    subscriptionId: z.string().regex(/^[0-9A-Za-z-]{1,64}$/),
    email: z
      .string()
      .max(254)
      .regex(/^[^@\s<>"'`]+@[^@\s<>"'`]+$/),
  })
  .passthrough();
type Clicked = { kind: 'license'; userId: string; skuId: string } | { kind: 'vendor-seat'; subscriptionId: string; email: string };

/** A Graph license row sends userId + skuId, a vendor seat row subscriptionId + email; anything else (both, or neither) is refused. */
const ClickedRow = z.record(z.unknown()).transform((data, ctx): Clicked => {
  const isVendorRow = 'subscriptionId' in data || 'email' in data;
  const isLicenseRow = 'userId' in data || 'skuId' in data;
  if (isVendorRow && !isLicenseRow) {
    const seat = VendorSeatRef.safeParse(data);
    if (seat.success) return { kind: 'vendor-seat', subscriptionId: seat.data.subscriptionId, email: seat.data.email };
  } else if (!isVendorRow) {
    const license = LicenseRef.safeParse(data);
    if (license.success) return { kind: 'license', userId: license.data.userId, skuId: license.data.skuId };
  }
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a reclaim row' });
  return z.NEVER;
});

const BAD_CARD = 'This card sent something I cannot use. Type **reclaim** for a fresh list.';

export function reclaimFeature(surface: Surface, d: ReclaimFeatureDeps): void {
  /** The list as it is now, with a note on top. */
  const currentList = async (actor: Actor, note?: Parameters<typeof reclaimCardData>[1]) =>
    answer(await d.reclaim.reportFor(actor), (report) => card(d.cards.render('reclaim', reclaimCardData(report, note))));

  const list = ({ actor }: Turn) => currentList(actor);

  const setDays = async ({ actor, argument }: CommandTurn) => {
    const result = await d.reclaim.setInactiveDays(actor, argument);
    return text(result.message);
  };

  /** "Remove license": the confirm step, showing who and which license as Graph (or the marketplace) has it now. */
  const askToRemove = async ({ actor, data: row }: ActionTurn<Clicked>) => {
    const preview =
      row.kind === 'license'
        ? await d.reclaim.previewRemoval(actor, row.userId, row.skuId)
        : await d.reclaim.previewVendorRemoval(actor, row.subscriptionId, row.email);
    if (!preview.ok) return refusedOr(preview.outcome, () => currentList(actor, { text: preview.outcome.message, color: 'Warning' }));
    const confirm =
      'userId' in preview
        ? {
            userId: preview.userId,
            skuId: preview.skuId,
            displayName: preview.displayName,
            userPrincipalName: preview.userPrincipalName,
            productName: preview.productName,
            vendorSeat: false,
            subscriptionId: '',
            email: '',
          }
        : {
            userId: '',
            skuId: '',
            displayName: preview.displayName,
            userPrincipalName: preview.email,
            productName: preview.vendor ? `${preview.productName} (${preview.vendor})` : preview.productName,
            vendorSeat: true,
            subscriptionId: preview.subscriptionId,
            email: preview.email,
          };
    return card(d.cards.render('reclaim-confirm', confirm));
  };

  /** "Confirm": removes the license (once), then shows the list as it is now. */
  const confirmRemove = async ({ actor, data: row }: ActionTurn<Clicked>) => {
    const outcome =
      row.kind === 'license'
        ? await d.reclaim.removeLicense(actor, row.userId, row.skuId)
        : await d.reclaim.removeVendorSeat(actor, row.subscriptionId, row.email);
    const removed = outcome.kind === 'removed';
    return refusedOr(outcome, () =>
      currentList(actor, { text: removed ? `Done. ${outcome.message}` : outcome.message, color: removed ? 'Good' : 'Warning' }),
    );
  };

  const row = { roles: ADMINS, refusal: ONLY_ADMINS_REMOVE, schema: ClickedRow, badData: BAD_CARD };
  surface.command({ name: 'reclaim', refusal: ONLY_ADMINS_RECLAIM, run: list });
  surface.command({ name: 'set reclaim days', refusal: ONLY_ADMINS_SETTINGS, run: setDays });
  surface.action({ verb: 'reclaimRemoveLicense', ...row, run: askToRemove });
  surface.action({ verb: 'reclaimConfirmRemove', ...row, run: confirmRemove });
  surface.action({ verb: 'reclaimShow', roles: ADMINS, refusal: ONLY_ADMINS_RECLAIM, run: list }); // "Back" and "Refresh"
}

/** Not allowed, or Graph unreachable: refused; anything else (gone, busy, not found) is shown on the list. */
async function refusedOr<R>(outcome: RemovalOutcome, show: () => Promise<R>) {
  if (outcome.kind === 'forbidden') return refuse('forbidden', outcome.message);
  if (outcome.kind === 'unavailable') return refuse('unavailable', outcome.message);
  return show();
}
